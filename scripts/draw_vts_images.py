"""Draw moodbot's VTube Studio plugin icon and the README's where-to-click sketch, in headless Chromium.

VTube Studio cannot run here, so the guide is a labelled sketch (and says so), not a screenshot.
Writes bot/assets/vts_icon.png (128x128, shown in VTS's "Allow" popup) and docs/vts-guide.png:

    .venv/bin/python scripts/draw_vts_images.py
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

from playwright.async_api import async_playwright

ROOT = Path(__file__).parent.parent
ICON = ROOT / "bot" / "assets" / "vts_icon.png"
GUIDE = ROOT / "docs" / "vts-guide.png"

ICON_HTML = """<html><body style="margin:0;background:transparent">
<svg width="128" height="128" viewBox="0 0 128 128" xmlns="http://www.w3.org/2000/svg">
  <defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
    <stop offset="0" stop-color="#8b5cf6"/><stop offset="1" stop-color="#ec4899"/></linearGradient></defs>
  <rect x="4" y="4" width="120" height="120" rx="28" fill="url(#bg)"/>
  <path d="M24 84 A40 40 0 0 1 104 84" fill="none" stroke="#ffffff55" stroke-width="12" stroke-linecap="round"/>
  <path d="M24 84 A40 40 0 0 1 84.5 49.6" fill="none" stroke="#ffffff" stroke-width="12" stroke-linecap="round"/>
  <line x1="64" y1="84" x2="88" y2="58" stroke="#1f1147" stroke-width="7" stroke-linecap="round"/>
  <circle cx="64" cy="84" r="9" fill="#1f1147"/>
  <path d="M98 22 l4 10 10 4 -10 4 -4 10 -4 -10 -10 -4 10 -4z" fill="#fff7ae"/>
  <text x="64" y="114" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-weight="bold"
        font-size="15" fill="#ffffff">moodbot</text>
</svg></body></html>"""

GUIDE_HTML = """<html><head><style>
body { margin:0; width:1280px; height:640px; background:#f4f1fb; font-family:"DejaVu Sans",sans-serif; color:#241b3a; }
.banner { background:#fff3c4; border-bottom:2px dashed #c9a227; padding:10px 24px; font-size:16px; }
.banner b { color:#8a5a00; }
h1 { font-size:24px; margin:16px 24px 6px; }
.row { display:flex; gap:18px; padding:0 24px; }
.step { flex:1; background:#fff; border-radius:14px; box-shadow:0 2px 8px #0002; padding:14px; height:456px; position:relative; }
.num { display:inline-block; width:30px; height:30px; border-radius:15px; background:#8b5cf6; color:#fff;
       text-align:center; line-height:30px; font-weight:bold; margin-right:8px; }
.title { font-size:18px; font-weight:bold; margin-bottom:6px; }
.how { font-size:14px; line-height:1.45; margin-bottom:12px; min-height:84px; }
.mock { background:#2a2540; color:#e9e4ff; border-radius:10px; padding:12px; font-size:14px; position:relative; }
.mock .head { color:#a99ee0; font-size:12px; text-transform:uppercase; letter-spacing:1px; margin-bottom:8px; }
.line { display:flex; align-items:center; justify-content:space-between; padding:7px 6px; border-radius:6px; }
.dim { color:#7d74a8; }
.toggle { width:44px; height:22px; border-radius:11px; background:#4ade80; position:relative; }
.toggle::after { content:""; position:absolute; right:3px; top:3px; width:16px; height:16px; border-radius:8px; background:#fff; }
.off { background:#555; } .off::after { left:3px; right:auto; }
.hl { outline:3px solid #ff3b7f; outline-offset:2px; }
.callout { position:absolute; background:#ff3b7f; color:#fff; font-weight:bold; font-size:13px; padding:4px 9px; border-radius:12px; }
.popup { background:#f7f5ff; color:#241b3a; border-radius:10px; padding:14px; text-align:center; }
.popup img { width:64px; height:64px; }
.btn { display:inline-block; padding:7px 22px; border-radius:8px; margin:10px 6px 0; font-weight:bold; }
.allow { background:#4ade80; color:#073b1b; } .deny { background:#ddd; color:#555; }
.map { background:#3a3358; border-radius:8px; padding:8px; margin-top:8px; }
.map .k { color:#a99ee0; font-size:12px; } .map .v { font-weight:bold; }
.bar { height:8px; background:#5b5480; border-radius:4px; margin-top:4px; position:relative; }
.bar i { position:absolute; left:0; top:0; bottom:0; width:70%; background:#f472b6; border-radius:4px; }
.foot { position:absolute; bottom:12px; left:14px; right:14px; font-size:12px; color:#6b6387; }
</style></head><body>
<div class="banner"><b>SKETCH, not a screenshot.</b> Drawn by moodbot's developers to show where to click.
The real VTube Studio screens look different, and labels can change between versions.</div>
<h1>Let moodbot move your avatar (VTube Studio on this PC)</h1>
<div class="row">
 <div class="step">
  <div class="title"><span class="num">1</span>Turn the plugin API on</div>
  <div class="how">In VTube Studio open the <b>settings</b> (gear icon in the left menu; double-click
   the background if the menu is hidden), first page. Turn on <b>Allow Plugin API access</b>; note the port
   (8001 unless you changed it).</div>
  <div class="mock"><div class="head">Settings (general) - sketch</div>
   <div class="line dim"><span>...other settings...</span></div>
   <div class="line dim"><span>VTube Studio Plugins</span></div>
   <div class="line hl"><span>Allow Plugin API access</span><span class="toggle"></span></div>
   <div class="line"><span>API Port</span><span>8001</span></div>
   <div class="line dim"><span>...other settings...</span><span class="toggle off"></span></div>
   <span class="callout" style="right:-6px;top:66px">turn ON</span>
  </div>
  <div class="foot">Off or closed, moodbot says <i>VTube Studio not reachable</i> and keeps trying.</div>
 </div>
 <div class="step">
  <div class="title"><span class="num">2</span>Click Allow, once</div>
  <div class="how">Run <b>moodbot vts-check</b> (or <b>moodbot run</b> with <i>vtube_studio.enabled: true</i>).
   VTube Studio pops up a request from the plugin <b>moodbot</b>: click <b>Allow</b>. moodbot keeps the token
   and never asks again, unless you revoke it in VTube Studio.</div>
  <div class="mock"><div class="head">Popup in VTube Studio - sketch</div>
   <div class="popup"><img src="data:image/png;base64,@ICON@"><br>
    The plugin <b>moodbot</b> by <b>moodbot</b><br>wants to use the VTube Studio API.<br>
    <span class="btn deny">Deny</span><span class="btn allow hl">Allow</span></div>
  </div>
  <div class="foot">Deny: moodbot leaves VTube Studio alone until you run <i>moodbot vts-check</i> again.</div>
 </div>
 <div class="step">
  <div class="title"><span class="num">3</span>Map MoodHype to your model</div>
  <div class="how">Open the <b>model settings</b> (person icon in the left menu), go to the parameter
   mappings and press <b>+</b>. As <b>input</b> pick <b>MoodHype</b> (or another mood parameter); as
   <b>output</b> the Live2D parameter it should drive: a blush, sparkles, a smile.</div>
  <div class="mock"><div class="head">Model settings, parameters - sketch</div>
   <div class="line"><span>FaceAngleX &rarr; ParamAngleX</span><span class="dim">(your model's own)</span></div>
   <div class="line hl" style="display:block">
    <div class="map"><div class="k">INPUT (moodbot)</div><div class="v">MoodHype &nbsp; 0 .. 1</div>
     <div class="bar"><i></i></div></div>
    <div class="map"><div class="k">OUTPUT (Live2D parameter)</div><div class="v">ParamCheek (blush) &nbsp; 0 .. 1</div></div>
   </div>
   <div class="line"><span style="font-size:22px">+</span><span class="dim">add a mapping</span></div>
   <span class="callout" style="right:-6px;bottom:44px">new mapping</span>
  </div>
  <div class="foot">The bar moves while moodbot runs; VTube Studio's smoothing slider softens it.</div>
 </div>
</div></body></html>"""

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


async def main() -> None:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 128, "height": 128})
        await page.set_content(ICON_HTML)
        await page.screenshot(path=str(ICON), omit_background=True)
        icon = base64.b64encode(ICON.read_bytes()).decode("ascii")
        page = await browser.new_page(viewport={"width": 1280, "height": 640})
        await page.set_content(GUIDE_HTML.replace("@ICON@", icon))
        await page.screenshot(path=str(GUIDE))
        await browser.close()
    print(f"wrote {ICON} and {GUIDE}")


if __name__ == "__main__":
    asyncio.run(main())
