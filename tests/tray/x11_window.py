"""X11 helper for the tray test: does what a window manager would do to the console's
window, since the tests run under Xvfb without one.

    x11_window.py close TITLE   send WM_DELETE_WINDOW (the close button) to the window
    x11_window.py state TITLE   print VISIBLE or HIDDEN (mapped or not)

Run with Debian's python3 (python3-xlib), with DISPLAY set. Exits 2 if no window has
that title.
"""

import sys

from Xlib import X, display, protocol


def name_of(d, window):
    """The window's title: _NET_WM_NAME (UTF-8, what GTK sets for any title) first, as
    WM_NAME cannot hold a title such as "Plant Console — Alarm summary" as text."""
    utf8 = d.intern_atom("UTF8_STRING")
    prop = window.get_full_property(d.intern_atom("_NET_WM_NAME"), utf8)
    if prop is not None and prop.value:
        value = prop.value
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return window.get_wm_name()


def find(d, title):
    stack = [d.screen().root]
    while stack:
        window = stack.pop()
        try:
            name = name_of(d, window)
            if name == title:
                return window
            stack.extend(window.query_tree().children)
        except Exception:
            continue
    return None


def main():
    action, title = sys.argv[1], sys.argv[2]
    d = display.Display()
    window = find(d, title)
    if window is None:
        print("NO WINDOW", flush=True)
        return 2
    if action == "close":
        protocols = d.intern_atom("WM_PROTOCOLS")
        delete = d.intern_atom("WM_DELETE_WINDOW")
        event = protocol.event.ClientMessage(
            window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
        window.send_event(event, event_mask=X.NoEventMask)
        d.flush()
        print("SENT", flush=True)
    else:
        viewable = window.get_attributes().map_state == X.IsViewable
        print("VISIBLE" if viewable else "HIDDEN", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
