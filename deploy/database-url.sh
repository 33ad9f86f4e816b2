# shellcheck shell=bash
# Reading DATABASE_URL the way aiwidget (sqlx) does, for backup.sh and restore.sh
# (sourced from beside them; installed as /usr/lib/aiwidget/database-url.sh).

# Sets $decoded to $1 with each %XX replaced by its byte, as sqlx reads a URL
# (a % not followed by two hex digits stays; backslashes are plain characters).
percent_decode() {
  local rest=$1 char
  decoded=''
  while [[ $rest == *%* ]]; do
    decoded+=${rest%%\%*}
    rest=${rest#*%}
    if [[ $rest =~ ^[0-9A-Fa-f]{2} ]]; then
      printf -v char %b "\\x${rest:0:2}"
      decoded+=$char
      rest=${rest:2}
    else
      decoded+=%
    fi
  done
  decoded+=$rest
}

# Moves the password of the PostgreSQL URL in $url into PGPASSWORD (decoded),
# so that it reaches libpq without showing on a command line (ps).
move_password_to_env() {
  if [[ $url =~ ^(postgres(ql)?://[^:@/]*):([^@/]*)@(.*)$ ]]; then
    url="${BASH_REMATCH[1]}@${BASH_REMATCH[4]}"
    percent_decode "${BASH_REMATCH[3]}" # (its own match replaces BASH_REMATCH)
    export PGPASSWORD=$decoded
  fi
}
