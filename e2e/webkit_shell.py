"""The smallest WebKitGTK browser WebKitWebDriver can drive, run by the system's Python.

WebKitGTK's MiniBrowser always keeps its data ephemeral under automation, like Safari's
Private Browsing; a person's phone keeps it. This shell keeps it in --profile DIR, or
nowhere with --private (the same ephemeral data manager MiniBrowser uses), saves downloads
in --downloads DIR, sends every site but localhost to --proxy URL (the tests give one that
is not there), and shows each page full-screen (on the test's phone-sized Xvfb screen).

    python3 webkit_shell.py --automation (--profile DIR | --private) --downloads DIR --proxy URL
"""

import argparse
from pathlib import Path

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--automation", action="store_true")
parser.add_argument("--private", action="store_true")
parser.add_argument("--profile", type=Path)
parser.add_argument("--downloads", type=Path, required=True)
parser.add_argument("--proxy", required=True)
options = parser.parse_args()

if options.private:
    data = WebKit2.WebsiteDataManager.new_ephemeral()
else:
    data = WebKit2.WebsiteDataManager(
        base_data_directory=str(options.profile / "data"),
        base_cache_directory=str(options.profile / "cache"),
    )
proxy = WebKit2.NetworkProxySettings.new(options.proxy, ["localhost"])
data.set_network_proxy_settings(WebKit2.NetworkProxyMode.CUSTOM, proxy)
context = WebKit2.WebContext(website_data_manager=data)
context.set_automation_allowed(True)


def new_view(session: WebKit2.AutomationSession) -> WebKit2.WebView:
    view = WebKit2.WebView(web_context=context, is_controlled_by_automation=True)
    window = Gtk.Window()
    window.connect("destroy", Gtk.main_quit)
    window.add(view)
    # Full-screen fills the phone-sized screen (a window alone would be 447 px at least).
    screen = window.get_screen()
    window.set_default_size(screen.get_width(), screen.get_height())
    window.show_all()
    window.fullscreen()
    return view


def automation_started(_context: WebKit2.WebContext, session: WebKit2.AutomationSession) -> None:
    info = WebKit2.ApplicationInfo()
    info.set_name("cairn-webkit-shell")
    info.set_version(WebKit2.get_major_version(), WebKit2.get_minor_version(), 0)
    session.set_application_info(info)
    session.connect("create-web-view", new_view)


def download_started(_context: WebKit2.WebContext, download: WebKit2.Download) -> None:
    def destination(download: WebKit2.Download, name: str) -> bool:
        download.set_destination((options.downloads / Path(name).name).as_uri())
        return True

    download.connect("decide-destination", destination)


context.connect("automation-started", automation_started)
context.connect("download-started", download_started)
Gtk.main()
