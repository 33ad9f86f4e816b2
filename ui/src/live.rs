//! Event streams in the browser (the widget's and the dashboard's): one
//! typed listener per SSE event name on an `EventSource`, which reconnects by
//! itself with `Last-Event-ID` so that the server replays what was missed.

use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::Closure;

/// Calls `apply` with each `name` event's JSON data, parsed as `T` (events
/// that do not parse are skipped). The listener lives as long as the source.
pub fn listen<T: serde::de::DeserializeOwned + 'static>(
    source: &web_sys::EventSource,
    name: &str,
    mut apply: impl FnMut(T) + 'static,
) {
    let callback =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if let Some(data) = event.data().as_string()
                && let Ok(value) = serde_json::from_str::<T>(&data)
            {
                apply(value);
            }
        });
    let _ = source.add_event_listener_with_callback(name, callback.as_ref().unchecked_ref());
    callback.forget();
}
