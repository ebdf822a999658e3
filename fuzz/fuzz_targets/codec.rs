//! Fuzz target: the Engine.IO/Socket.IO codec. Whatever text a server sends, `decode`
//! returns a packet or an error and never panics; an event it decodes re-encodes to a
//! frame that decodes to the same event; the non-finite quoting leaves valid JSON alone
//! and is idempotent.
#![no_main]

use plant_link::codec::{self, EnginePacket, SocketPacket};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    // WebSocket text frames are UTF-8 by definition: tungstenite refuses anything else
    // before the codec sees it.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(EnginePacket::Message(SocketPacket::Event {
        nsp: "/",
        id,
        name,
        args,
    })) = codec::decode(text)
    {
        let values: Vec<Value> = args
            .iter()
            .filter_map(|arg| serde_json::from_str(arg.get()).ok())
            .collect();
        if values.len() == args.len() {
            let frame = codec::encode_event(&name, &values, id);
            match codec::decode(&frame) {
                Ok(EnginePacket::Message(SocketPacket::Event {
                    id: again_id,
                    name: again_name,
                    args: again_args,
                    ..
                })) => {
                    assert_eq!(again_id, id, "{frame}");
                    assert_eq!(again_name, name, "{frame}");
                    let again: Vec<Value> = again_args
                        .iter()
                        .map(|arg| serde_json::from_str(arg.get()).expect("encoded JSON"))
                        .collect();
                    assert_eq!(again, values, "{frame}");
                }
                other => panic!("{frame:?} re-encoded from {text:?} decodes to {other:?}"),
            }
        }
    }
    let quoted = codec::quote_non_finite(text);
    if serde_json::from_str::<Value>(text).is_ok() {
        assert_eq!(quoted, None, "valid JSON was rewritten: {text:?}");
    }
    if let Some(quoted) = quoted {
        assert_eq!(
            codec::quote_non_finite(&quoted),
            None,
            "quoting is not idempotent: {text:?}"
        );
    }
});
