#!/usr/bin/python3
"""A tiny local RTSP server for tests (GStreamer gst-rtsp-server), run by the *system* Python.

It serves a real H.264 stream (``videotestsrc`` → ``x264enc`` → ``rtph264pay``) on
``rtsp://127.0.0.1:<port>/<path>``, optionally behind Basic or Digest authentication, and prints
one line ``READY <port>`` on stdout once it listens. It runs until killed.

Debian packages: python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-base,
gstreamer1.0-plugins-good, gstreamer1.0-plugins-ugly.

Usage:
    /usr/bin/python3 tests/rtsp_server.py --port 0 --path stream [--user U --password P [--digest]]

Exit code 3 with a ``MISSING ...`` line on stderr means the GStreamer bindings are not installed.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

try:
    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtsp", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtsp, GstRtspServer
except (ImportError, ValueError) as exc:  # ValueError: typelib not installed
    print(f"MISSING gi/GStreamer RTSP server bindings: {exc}", file=sys.stderr, flush=True)
    sys.exit(3)

PIPELINE = (
    "( videotestsrc is-live=true pattern=ball "
    "! video/x-raw,width={w},height={h},framerate={fps}/1 "
    "! videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate=500 "
    "! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1 )"
)

# Real footage: JPEG frames (e.g. of the demo video with people) looped at the given rate.
JPEG_PIPELINE = (
    '( multifilesrc location="{pattern}" loop=true caps="image/jpeg,framerate={fps}/1" '
    "! jpegdec ! videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate=1500 "
    "! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1 )"
)


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one")
    p.add_argument("--path", default="stream", help="mount path without the leading slash")
    p.add_argument("--user", default=None)
    p.add_argument("--password", default=None)
    p.add_argument("--digest", action="store_true", help="Digest instead of Basic authentication")
    p.add_argument("--size", default="320x240", help="WIDTHxHEIGHT")
    p.add_argument("--fps", type=int, default=10)
    p.add_argument(
        "--jpegs",
        default=None,
        help="serve these JPEG frames in a loop instead of a test pattern (printf pattern, e.g. /tmp/f%%04d.jpg)",
    )
    return p.parse_args()


def main() -> int:
    """Serve until killed."""
    args = _parse()
    Gst.init(None)
    missing = [e for e in ("videotestsrc", "x264enc", "rtph264pay") if Gst.ElementFactory.find(e) is None]
    if missing:
        print(f"MISSING GStreamer elements: {', '.join(missing)}", file=sys.stderr, flush=True)
        return 3
    w, h = (int(v) for v in args.size.split("x"))

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    if args.jpegs:
        factory.set_launch(JPEG_PIPELINE.format(pattern=args.jpegs, fps=args.fps))
    else:
        factory.set_launch(PIPELINE.format(w=w, h=h, fps=args.fps))
    factory.set_shared(True)

    if args.user is not None:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken.new()
        token.set_string("media.factory.role", "viewer")
        if args.digest:
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            auth.add_digest(args.user, args.password or "", token)
        else:
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password or ""), token)
        server.set_auth(auth)
        perms = GstRtspServer.RTSPPermissions()
        perms.add_permission_for_role("viewer", "media.factory.access", True)
        perms.add_permission_for_role("viewer", "media.factory.construct", True)
        factory.set_permissions(perms)

    server.get_mount_points().add_factory("/" + args.path.lstrip("/"), factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
        return 2
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    parent = os.getppid()

    def parent_alive() -> bool:  # never outlive a test run that was killed
        if os.getppid() != parent:
            loop.quit()
            return False
        return True

    GLib.timeout_add_seconds(1, parent_alive)
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
