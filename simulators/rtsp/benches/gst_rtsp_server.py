#!/usr/bin/python3
"""GStreamer's RTSP server (gst-rtsp-server) serving an H.264 Annex B file in a loop at
rtsp://127.0.0.1:PORT/live, for the comparison in benches/sessions.rs.

Usage: gst_rtsp_server.py FILE PORT. Needs the Debian packages gir1.2-gst-rtsp-server-1.0,
python3-gi, gstreamer1.0-plugins-good and gstreamer1.0-plugins-bad. The media is shared: one
pipeline (file, parser, payloader) feeds every client, GStreamer's cheapest setup."""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
path, port = sys.argv[1], sys.argv[2]
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
# The default backlog (5) refuses clients that connect all at once.
server.set_backlog(1024)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    f"( multifilesrc location={path} loop=true caps=video/x-h264,stream-format=byte-stream "
    "! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1 )"
)
factory.set_shared(True)


def stamp(_pad, info):
    # h264parse on a raw byte stream sets only DTS; no B-frames, so PTS = DTS.
    buf = info.get_buffer()
    if buf is not None and buf.pts == Gst.CLOCK_TIME_NONE:
        buf.pts = buf.dts
    return Gst.PadProbeReturn.OK


def on_configure(_factory, media):
    pay = media.get_element().get_by_name("pay0")
    pay.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, stamp)


factory.connect("media-configure", on_configure)
server.get_mount_points().add_factory("/live", factory)
if server.attach(None) == 0:
    sys.exit("cannot listen")
print("ready", flush=True)
GLib.MainLoop().run()
