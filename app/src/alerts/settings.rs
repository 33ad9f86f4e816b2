//! The form of "My alerts": which alerts go to Telegram and by email, the
//! email address, quiet hours and the alerts' language, saved together as
//! one `NotificationsInput`; the server's reasons shown next to the fields.

use super::choices::ChannelChoices;
use crate::api::alerts::save_notifications;
use crate::forms::{FORM, FieldError, FieldErrors, field_errors};
use crate::i18n::{reason, use_lang, use_texts};
use contract::alerts::{Notifications, NotificationsInput, QuietHours};
use leptos::prelude::*;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The time zone of quiet hours when the browser does not say.
const DEFAULT_ZONE: &str = "Europe/Moscow";

/// Time zones offered in the list (any IANA name may be typed).
const ZONES: &[&str] = &[
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
    "Europe/Minsk",
    "Europe/Kyiv",
    "Europe/Istanbul",
    "Asia/Tbilisi",
    "Asia/Yerevan",
    "Asia/Baku",
    "Asia/Almaty",
    "Asia/Tashkent",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "UTC",
];

/// The form, filled with the user's saved choices.
#[component]
#[allow(
    unreachable_pub,
    reason = "#[component] makes the body function it generates `pub`, whatever the visibility"
)]
pub(super) fn SettingsForm(
    /// The choices as loaded.
    notifications: Notifications,
    /// The projects the user may see: id and name.
    projects: Vec<(Uuid, String)>,
) -> impl IntoView {
    let texts = use_texts();
    let alerts = &texts.alerts;
    let lang = use_lang();
    let telegram = RwSignal::new(notifications.telegram);
    let email_alerts = RwSignal::new(notifications.email_alerts);
    let email = RwSignal::new(notifications.email.unwrap_or_default());
    let quiet = notifications.quiet_hours;
    let quiet_on = RwSignal::new(quiet.is_some());
    let clock_or = |pick: fn(&QuietHours) -> &String, default: &str| {
        RwSignal::new(
            quiet
                .as_ref()
                .map_or_else(|| default.to_owned(), |q| pick(q).clone()),
        )
    };
    let from = clock_or(|q| &q.from, "22:00");
    let to = clock_or(|q| &q.to, "08:00");
    let zone = clock_or(|q| &q.time_zone, DEFAULT_ZONE);
    #[cfg(feature = "hydrate")]
    if quiet.is_none() {
        Effect::new(move |_| {
            if let Some(browser) = browser_zone() {
                zone.set(browser);
            }
        });
    }
    let locale = RwSignal::new(notifications.locale);
    // Sent only once chosen here: linking Telegram may set it meanwhile
    // (from the chat's language) and a save must not undo that.
    let locale_chosen = RwSignal::new(false);
    let translate = RwSignal::new(notifications.translate);
    let errors: FieldErrors = RwSignal::new(BTreeMap::new());
    let saved = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let address = email.get_untracked().trim().to_owned();
        let input = NotificationsInput {
            email: Some(Some(address).filter(|a| !a.is_empty())),
            telegram: Some(telegram.get_untracked()),
            email_alerts: Some(email_alerts.get_untracked()),
            quiet_hours: Some(quiet_on.get_untracked().then(|| QuietHours {
                from: from.get_untracked(),
                to: to.get_untracked(),
                time_zone: zone.get_untracked().trim().to_owned(),
            })),
            locale: locale_chosen
                .get_untracked()
                .then(|| locale.get_untracked()),
            translate: Some(translate.get_untracked()),
        };
        pending.set(true);
        saved.set(false);
        leptos::task::spawn_local(async move {
            match save_notifications(input).await {
                Ok(now) => {
                    email.try_set(now.email.unwrap_or_default());
                    errors.try_set(BTreeMap::new());
                    saved.try_set(true);
                }
                Err(err) => {
                    let mut found = field_errors(&err);
                    for text in found.values_mut() {
                        *text = reason(lang, text);
                    }
                    errors.try_set(found);
                }
            }
            pending.try_set(false);
        });
    };
    let invalid =
        move |field: &'static str| move || errors.with(|e| e.contains_key(field)).then_some("true");
    let text = move |value: RwSignal<String>| move |ev| value.set(event_target_value(&ev));
    view! {
        <form class="alerts-form" on:submit=submit novalidate>
            <section class="card">
                <h2>{alerts.which}</h2>
                <div class="alerts-channels">
                    <ChannelChoices title=alerts.telegram choices=telegram projects=projects.clone() />
                    <ChannelChoices title=alerts.email_channel choices=email_alerts projects />
                </div>
            </section>
            <section class="card">
                <h2>{alerts.email}</h2>
                {(!notifications.email_enabled).then(|| view! { <p class="notice">{alerts.email_off}</p> })}
                <label>
                    {alerts.email_address}
                    <input type="email" autocomplete="email" maxlength="254" prop:value=email on:input=text(email) aria-invalid=invalid("email") />
                </label>
                <span class="hint">{alerts.email_hint}</span>
                <FieldError errors field="email" />
            </section>
            <section class="card">
                <h2>{alerts.quiet}</h2>
                <p class="hint">{alerts.quiet_hint}</p>
                <label class="check">
                    <input type="checkbox" prop:checked=quiet_on on:change=move |ev| quiet_on.set(event_target_checked(&ev)) />
                    {alerts.quiet_on}
                </label>
                <div class="alerts-quiet">
                    <label>
                        {alerts.from}
                        <input type="time" prop:value=from on:input=text(from) disabled=move || !quiet_on.get() aria-invalid=invalid("quiet_hours.from") />
                        <FieldError errors field="quiet_hours.from" />
                    </label>
                    <label>
                        {alerts.to}
                        <input type="time" prop:value=to on:input=text(to) disabled=move || !quiet_on.get() aria-invalid=invalid("quiet_hours.to") />
                        <FieldError errors field="quiet_hours.to" />
                    </label>
                    <label class="alerts-zone">
                        {alerts.time_zone}
                        <input type="text" list="alerts-zones" autocomplete="off" prop:value=zone on:input=text(zone) disabled=move || !quiet_on.get() aria-invalid=invalid("quiet_hours.time_zone") />
                        <FieldError errors field="quiet_hours.time_zone" />
                    </label>
                    <datalist id="alerts-zones">
                        {ZONES.iter().map(|zone| view! { <option value=*zone></option> }).collect_view()}
                    </datalist>
                </div>
            </section>
            <section class="card">
                <label>
                    {alerts.alerts_language}
                    <select
                        on:change=move |ev| {
                            locale.set(event_target_value(&ev));
                            locale_chosen.set(true);
                        }
                        aria-invalid=invalid("locale")
                    >
                        <option value="en" selected=move || locale.get() != "ru">"English"</option>
                        <option value="ru" selected=move || locale.get() == "ru">"Русский"</option>
                    </select>
                </label>
                <FieldError errors field="locale" />
                <label class="check">
                    <input type="checkbox" prop:checked=translate on:change=move |ev| translate.set(event_target_checked(&ev)) />
                    {alerts.translate}
                </label>
                <p class="hint">{alerts.translate_hint}</p>
            </section>
            <FieldError errors field=FORM />
            <div class="actions">
                <button type="submit" class="primary" disabled=move || pending.get()>{texts.save}</button>
                {move || saved.get().then(|| view! { <span class="alerts-saved" role="status">{texts.saved}</span> })}
                {move || errors.with(|e| e.keys().any(|field| field != FORM)).then(|| view! { <span class="field-error">{texts.fix_errors}</span> })}
            </div>
        </form>
    }
}

/// The browser's time zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`).
#[cfg(feature = "hydrate")]
fn browser_zone() -> Option<String> {
    use web_sys::js_sys::{Array, Intl, Object, Reflect};
    let options = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
    Reflect::get(&options, &wasm_bindgen::JsValue::from_str("timeZone"))
        .ok()?
        .as_string()
        .filter(|zone| !zone.is_empty())
}
