//! The background tasks an instance runs while it serves, started once by
//! the server's start-up and stopped by [`AppState::shutdown`].
//!
//! - the sweep of stored deadlines and orphaned answers
//!   ([`crate::services::deadlines`]);
//! - the retention sweep: old conversations, visitors and events
//!   ([`crate::services::retention`]);
//! - the knowledge base's jobs: uploads, deletions at the provider, website
//!   imports ([`crate::services::knowledge::jobs`]);
//! - the alert queue ([`crate::services::alerts::dispatch`]) and the Telegram
//!   bot's updates ([`crate::services::telegram`]);
//! - the bus between instances ([`crate::services::bus`]), whose commands for this
//!   instance are routed here to the relay ([`crate::services::relay`]): the
//!   transport carries them, the domain acts on them.

use crate::services::bus::{Bus, Command};
use crate::services::{alerts, deadlines, knowledge, retention, telegram};
use crate::state::AppState;
use std::future::Future;
use tokio::sync::mpsc;

/// Starts every worker of this instance (each ends at shutdown).
pub fn start(state: &AppState) {
    every_sweep(state.clone(), deadlines::on_tick);
    every_sweep(state.clone(), retention::on_tick);
    knowledge::jobs::start(state);
    alerts::dispatch::start(state);
    telegram::start(state);
    let commands = Bus::start(state);
    tokio::spawn(obey(state.clone(), commands));
}

/// Runs `tick` every `state.settings.sweep_every` until shutdown (a tick
/// that overruns delays the next one rather than piling them up), tracked
/// by `state.sweeps` so that the shutdown can wait for a tick in progress.
fn every_sweep<Tick, Done>(state: AppState, tick: Tick)
where
    Tick: Fn(AppState) -> Done + Send + 'static,
    Done: Future<Output = ()> + Send,
{
    let sweeps = state.sweeps.clone();
    sweeps.spawn(async move {
        let mut every = tokio::time::interval(state.settings.sweep_every);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                // Shutdown first when both are ready: no new tick once it began.
                biased;
                () = state.shutdown.cancelled() => break,
                _ = every.tick() => {}
            }
            tick(state.clone()).await;
        }
    });
}

/// Carries out what the other instances ask of this one, until the bus closes.
#[tracing::instrument(name = "bus_commands", skip_all)]
async fn obey(state: AppState, mut commands: mpsc::UnboundedReceiver<Command>) {
    while let Some(command) = commands.recv().await {
        match command {
            Command::Cancel(conversation_id) => state.relay.cancel_here(conversation_id),
            Command::Restart(conversation_id) => state.relay.start(&state, conversation_id),
        }
    }
}
