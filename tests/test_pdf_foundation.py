"""The shared PDF foundation: an embedded Chinese font, wrapping cells, page numbers on every page."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from console.services.pdf import fonts
from console.services.pdf import styles as S


def pdftotext(path: Path) -> str:
    """The text of the PDF with all whitespace removed (pdftotext spaces CJK text unpredictably)."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def pdffonts(path: Path) -> str:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def test_chinese_font_is_embedded_as_truetype_subset(tmp_path: Path) -> None:
    st = S.sheet_styles()
    out = tmp_path / "a.pdf"
    pages = S.build_pdf(out, [S.para("派出所上门劝阻指令单", st.title)], S.PageSetup(title="测试单", centre="某县反诈中心"))
    assert pages == 1
    listing = pdffonts(out)
    font_rows = [line for line in listing.splitlines()[2:] if line.strip()]
    assert font_rows, listing
    for row in font_rows:  # every font in the file is an embedded TrueType subset: no Helvetica, no CID STSong
        assert "TrueType" in row and " yes yes " in row, listing
    assert "+" in font_rows[0].split()[0]
    text = pdftotext(out)
    assert "派出所上门劝阻指令单" in text
    assert S.CONFIDENTIAL_MARK.replace(" ", "") in text
    assert "某县反诈中心" in text
    assert "第1页共1页" in text


def test_long_cells_wrap_and_many_rows_flow_onto_numbered_pages(tmp_path: Path) -> None:
    st = S.sheet_styles()
    long_note = "受害人称对方自称公安民警要求保密并转账至安全账户" * 12 + "结尾标记"
    rows: list[list[object]] = [["序号", "任务", "备注"]]
    rows += [[str(i), "上门劝阻", long_note if i == 1 else f"第{i}行"] for i in range(1, 80)]
    out = tmp_path / "b.pdf"
    pages = S.build_pdf(
        out,
        [S.data_table(rows, st, col_widths=[12 * S.mm, 25 * S.mm, None])],
        S.PageSetup(title="长表", centre="某县反诈中心"),
    )
    assert pages >= 2
    text = pdftotext(out)
    assert "结尾标记" in text  # the end of a long cell is printed, not clipped at the column edge
    assert f"第{pages}页共{pages}页" in text
    assert "第79行" in text
    assert text.count("序号") == pages  # the header row repeats on every page


def test_missing_font_raises_a_clear_chinese_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fonts, "candidate_paths", lambda font_path=None: [str(tmp_path / "none.ttf")])
    with pytest.raises(fonts.FontNotFound) as info:
        fonts.find_cjk_font()
    assert "中文" in str(info.value) and fonts.ENV_VAR in str(info.value)


def test_a_cff_or_bogus_file_is_skipped_not_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bogus = tmp_path / "fake.ttf"
    bogus.write_bytes(b"OTTO" + b"\0" * 64)  # an OpenType/CFF signature reportlab cannot embed
    real = fonts.register_cjk_font().path
    monkeypatch.setenv(fonts.ENV_VAR, str(bogus))
    chosen = fonts.register_cjk_font()  # another file is asked for: searched afresh, the bogus one skipped
    assert chosen.path == real
    assert fonts.candidate_paths()[0] == str(bogus)


def test_the_registered_font_is_what_reportlab_holds() -> None:
    chosen = fonts.register_cjk_font()
    assert fonts.registered_cjk_font() == chosen
    assert fonts.register_cjk_font() == chosen  # asked again: the same font, no new search
