//! Which operators are online: those with an open event stream (the
//! dashboard keeps one while it is open). The widget's config says
//! `humans_online` when one of them may answer the project.
//!
//! Counted per instance, in memory: with several instances behind one
//! balancer each knows its own operators only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use uuid::Uuid;

/// The operators with a stream open on this instance.
#[derive(Debug, Default)]
pub struct Presence {
    online: Mutex<HashMap<Uuid, Online>>,
}

#[derive(Debug)]
struct Online {
    streams: usize,
    /// The projects they answer (`None`: every project, for admins).
    projects: Option<Vec<Uuid>>,
}

/// Held while one stream of an operator is open.
#[derive(Debug)]
pub struct PresenceGuard {
    presence: Arc<Presence>,
    user_id: Uuid,
}

impl Presence {
    fn online(&self) -> MutexGuard<'_, HashMap<Uuid, Online>> {
        self.online
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts `user_id` online until the guard drops.
    pub fn enter(self: &Arc<Self>, user_id: Uuid, projects: Option<Vec<Uuid>>) -> PresenceGuard {
        let mut online = self.online();
        let entry = online.entry(user_id).or_insert(Online {
            streams: 0,
            projects: None,
        });
        entry.streams += 1;
        entry.projects = projects;
        PresenceGuard {
            presence: self.clone(),
            user_id,
        }
    }

    /// True when an operator who answers `project_id` is online.
    pub fn anyone_for(&self, project_id: Uuid) -> bool {
        self.online().values().any(|online| {
            online
                .projects
                .as_ref()
                .is_none_or(|projects| projects.contains(&project_id))
        })
    }
}

impl Drop for PresenceGuard {
    fn drop(&mut self) {
        let mut online = self.presence.online();
        if let Some(entry) = online.get_mut(&self.user_id) {
            entry.streams -= 1;
            if entry.streams == 0 {
                online.remove(&self.user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operator_is_online_for_their_projects_while_a_stream_is_open() {
        let presence = Arc::new(Presence::default());
        let (shop, other) = (Uuid::new_v4(), Uuid::new_v4());
        let operator = Uuid::new_v4();
        let first = presence.enter(operator, Some(vec![shop]));
        let second = presence.enter(operator, Some(vec![shop]));
        assert!(presence.anyone_for(shop));
        assert!(!presence.anyone_for(other));
        drop(first);
        assert!(presence.anyone_for(shop), "one stream is still open");
        drop(second);
        assert!(!presence.anyone_for(shop));
        let _admin = presence.enter(Uuid::new_v4(), None);
        assert!(presence.anyone_for(other), "an admin answers every project");
    }
}
