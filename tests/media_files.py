"""Small real documents and audio clips, made with the standard library: a PDF of several
pages, a DOCX, a PPTX, a PNG, a 16-bit PCM WAV and an Ogg Opus clip (valid containers; the
Opus packets are silence frames)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Sequence

DEFAULT_PAGES = (
    "Quarterly report\nRevenue grew 12 percent to 4.2 million.",
    "Outlook\nThe board expects growth of 8 percent next year.",
)


def make_pdf(pages: Sequence[str] = DEFAULT_PAGES) -> bytes:
    """A PDF with one page per text (a line of text per line), uncompressed."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the page numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for text in pages:
        page_number = len(objects) + 1
        kids.append(f"{page_number} 0 R".encode())
        lines = []
        for number, line in enumerate(text.splitlines()):
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            lines.append(f"BT /F1 12 Tf 72 {720 - 18 * number} Td ({escaped}) Tj ET")
        stream = "\n".join(lines).encode("latin-1")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_number + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'


def make_docx(
    paragraphs: Sequence[str] = ("Meeting notes", "Ship the OCR loader on Friday."),
) -> bytes:
    """A Word document with these paragraphs."""
    body = "".join(f"<w:p><w:r><w:t>{_xml(p)}</w:t></w:r></w:p>" for p in paragraphs)
    document = f'<?xml version="1.0"?><w:document {_W}><w:body>{body}</w:body></w:document>'
    return _zip(
        {
            "[Content_Types].xml": _content_types(
                "word/document.xml", "wordprocessingml.document.main"
            ),
            "word/document.xml": document,
        }
    )


def make_pptx(slides: Sequence[str] = ("Roadmap", "Q1: OCR\nQ2: speech")) -> bytes:
    """A PowerPoint file with one slide per text (a paragraph per line)."""
    parts = {
        "[Content_Types].xml": _content_types(
            "ppt/presentation.xml", "presentationml.presentation.main"
        ),
        "ppt/presentation.xml": '<?xml version="1.0"?><p:presentation/>',
    }
    for number, text in enumerate(slides, 1):
        paragraphs = "".join(
            f"<a:p><a:r><a:t>{_xml(line)}</a:t></a:r></a:p>" for line in text.splitlines()
        )
        parts[f"ppt/slides/slide{number}.xml"] = (
            f'<?xml version="1.0"?><p:sld {_A}><p:txBody>{paragraphs}</p:txBody></p:sld>'
        )
    return _zip(parts)


def make_png(width: int = 2, height: int = 2) -> bytes:
    """A white RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def make_wav(
    seconds: float = 1.0, *, rate: int = 16000, channels: int = 1, bits: int = 16
) -> bytes:
    """A PCM WAV of silence."""
    frame = channels * bits // 8
    data = b"\x00" * (round(seconds * rate) * frame)
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * frame, frame, bits)
    return (
        b"RIFF"
        + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )


def make_ogg_opus(seconds: float = 1.0, *, channels: int = 1, pre_skip: int = 312) -> bytes:
    """An Ogg Opus stream: the two header pages, then one page of 20 ms silence frames whose
    granule position makes it `seconds` long."""
    serial = 0x5EED
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, channels, pre_skip, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0)
    frames = max(1, round(seconds * 50))
    silence = b"\xf8\xff\xfe"  # one 20 ms CELT silence frame
    end = round(seconds * 48000) + pre_skip
    pages = [_ogg_page([head], serial, 0, first=True), _ogg_page([tags], serial, 1)]
    per_page = 200  # a page holds at most 255 segments
    for start in range(0, frames, per_page):
        count = min(per_page, frames - start)
        last = start + count >= frames
        granule = end if last else (start + count) * 960 + pre_skip
        pages.append(_ogg_page([silence] * count, serial, len(pages), granule=granule, last=last))
    return b"".join(pages)


def _ogg_page(
    packets: Sequence[bytes],
    serial: int,
    sequence: int,
    *,
    granule: int = 0,
    first: bool = False,
    last: bool = False,
) -> bytes:
    lacing = b""
    body = b""
    for item in packets:
        size = len(item)
        lacing += b"\xff" * (size // 255) + bytes([size % 255])
        body += item
    flags = (0x02 if first else 0) | (0x04 if last else 0)
    header = (
        b"OggS"
        + struct.pack("<BBqIII", 0, flags, granule, serial, sequence, 0)
        + bytes([len(lacing)])
        + lacing
    )
    crc = _ogg_crc(header + body)
    return header[:22] + struct.pack("<I", crc) + header[26:] + body


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _zip(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def _content_types(part: str, kind: str) -> str:
    return (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'content-types"><Override PartName="/{part}" ContentType="application/'
        f'vnd.openxmlformats-officedocument.{kind}+xml"/></Types>'
    )


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
