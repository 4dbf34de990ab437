"""Find a TrueType CJK font at run time and register it with reportlab (embedded as a subset).

Printed sheets must show Chinese on any seat, so the font travels inside the PDF.  Only TrueType
outlines (``.ttf`` / ``.ttc``) work with reportlab's ``TTFont``; CFF-based OpenType files (the usual
Noto Sans CJK ``.otf``/``.ttc``) are rejected by reportlab and skipped here.  There is deliberately
no fallback to the built-in ``STSong-Light`` CID font: it is not embedded and prints as boxes on a
printer without the Adobe Asian font pack.

Order of search:

1. the ``font_path`` argument (a setting), then the environment variable ``DISSUADE_PDF_FONT``;
2. Linux: WenQuanYi Micro Hei / Zen Hei, then whatever ``fc-list :lang=zh`` reports;
3. Windows: SimHei, Microsoft YaHei, SimSun;
4. macOS: STHeiti, PingFang, Songti.

Use :func:`register_cjk_font` before building a document; it returns the registered font name
(also available as :data:`CJK_FONT`).  When nothing usable exists it raises :class:`FontNotFound`
with a message telling the user how to fix it.  Whether the font is registered already is asked
of reportlab's font registry (which is process-wide by reportlab's design); this module keeps no
state of its own.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from console.services.core.context import ServiceError

ENV_VAR = "DISSUADE_PDF_FONT"
CJK_FONT = "DissuadeCJK"
CJK_FONT_BOLD = "DissuadeCJK-Bold"

LINUX_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
)
WINDOWS_CANDIDATES = (
    r"C:\Windows\Fonts\simhei.ttf",
    r"C:\Windows\Fonts\msyh.ttc",
    r"C:\Windows\Fonts\msyh.ttf",
    r"C:\Windows\Fonts\simsun.ttc",
)
MACOS_PATTERNS = (
    "/System/Library/Fonts/STHeiti*.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/Supplemental/Songti.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
)


class FontNotFound(ServiceError):
    """No TrueType font with Chinese glyphs could be found or loaded."""


@dataclass(frozen=True)
class RegisteredFont:
    name: str
    bold_name: str
    path: Path


def _fc_list_candidates() -> list[str]:
    """Chinese-capable fonts fontconfig knows about, TrueType files only."""
    exe = shutil.which("fc-list")
    if exe is None:
        return []
    try:
        output = subprocess.run(
            [exe, ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    paths = []
    for line in output.splitlines():
        path = line.split(":", 1)[0].strip()
        if path.lower().endswith((".ttf", ".ttc")):
            paths.append(path)
    return sorted(set(paths))


def candidate_paths(font_path: str | None = None) -> list[str]:
    """Every path worth trying, most preferred first (duplicates removed)."""
    ordered: list[str] = []
    if font_path:
        ordered.append(font_path)
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        ordered.append(env)
    ordered.extend(LINUX_CANDIDATES)
    ordered.extend(_fc_list_candidates())
    ordered.extend(WINDOWS_CANDIDATES)
    for pattern in MACOS_PATTERNS:
        ordered.extend(sorted(glob.glob(pattern)))
    seen: set[str] = set()
    unique = []
    for path in ordered:
        if path not in seen:
            seen.add(path)
            unique.append(path)
    return unique


def _load(name: str, path: str) -> TTFont | None:
    try:
        font = TTFont(name, path, subfontIndex=0)
    except (TTFError, OSError, ValueError, KeyError):
        return None  # missing, unreadable, or CFF outlines reportlab cannot embed
    # A font without the glyph for 中 is no use for a Chinese sheet.
    if ord("中") not in font.face.charToGlyph:
        return None
    return font


def registered_cjk_font() -> RegisteredFont | None:
    """The CJK font reportlab already knows under :data:`CJK_FONT`, or None."""
    try:
        font = pdfmetrics.getFont(CJK_FONT)
    except KeyError:
        return None
    filename = getattr(getattr(font, "face", None), "filename", None)
    if not isinstance(filename, str) or CJK_FONT_BOLD not in pdfmetrics.getRegisteredFontNames():
        return None
    return RegisteredFont(CJK_FONT, CJK_FONT_BOLD, Path(filename))


def register_cjk_font(font_path: str | None = None) -> RegisteredFont:
    """The CJK TrueType font under :data:`CJK_FONT`: the one registered already (unless another file
    is asked for), else the first usable one found, registered now.

    ``font_path`` (a setting) and ``DISSUADE_PDF_FONT`` are tried first.  The bold face is the same
    file registered under :data:`CJK_FONT_BOLD` (most CJK fonts ship without a bold face), so
    ``<b>`` in paragraphs stays legible instead of falling back to a Latin font.
    """
    wanted = font_path or os.environ.get(ENV_VAR, "").strip() or None
    current = registered_cjk_font()
    if current is not None and (wanted is None or Path(wanted) == current.path):
        return current
    return find_cjk_font(font_path)


def find_cjk_font(font_path: str | None = None) -> RegisteredFont:
    """Search the candidates afresh and register the first usable font (raises :class:`FontNotFound`)."""
    tried = candidate_paths(font_path)
    for path in tried:
        if not os.path.isfile(path):
            continue
        regular = _load(CJK_FONT, path)
        bold = _load(CJK_FONT_BOLD, path)
        if regular is None or bold is None:
            continue
        pdfmetrics.registerFont(regular)
        pdfmetrics.registerFont(bold)
        addMapping(CJK_FONT, 0, 0, CJK_FONT)
        addMapping(CJK_FONT, 1, 0, CJK_FONT_BOLD)
        addMapping(CJK_FONT, 0, 1, CJK_FONT)
        addMapping(CJK_FONT, 1, 1, CJK_FONT_BOLD)
        return RegisteredFont(CJK_FONT, CJK_FONT_BOLD, Path(path))
    hint = f"已尝试：{'、'.join(tried[:6])}{' 等' if len(tried) > 6 else ''}"
    raise FontNotFound(
        "找不到可嵌入的中文 TrueType 字体，无法生成 PDF。"
        f"请安装文泉驿微米黑（Debian/Ubuntu：apt install fonts-wqy-microhei），"
        f"或将环境变量 {ENV_VAR} 设为一个 .ttf/.ttc 中文字体文件的路径（如 simhei.ttf）。"
        "注意：OTF/CFF 格式的思源黑体不受支持。" + hint
    )
