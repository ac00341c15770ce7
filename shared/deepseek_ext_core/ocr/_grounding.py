"""DeepSeek's OCR grounding markup, turned into clean text and layout boxes.

A recognized page's raw text marks regions as `<|ref|>…<|/ref|><|box|>[[x1,y1,x2,y2]]<|/box|>`
(docs/deepseek-api.md §6.11; the open DeepSeek-OCR model writes `<|det|>` for `<|box|>`, read
too). The `ref` holds either the region's text, or a layout label (`title`, `text`, `table`…)
with the region's text on the lines after it, as DeepSeek-OCR's grounding prompt writes it;
both readings give the same clean text and a box per region.
"""

import json
import re
from dataclasses import dataclass

_GROUNDED = re.compile(
    r"<\|ref\|>(?P<ref>.*?)<\|/ref\|>\s*<\|(?P<tag>box|det)\|>(?P<coords>.*?)<\|/(?P=tag)\|>",
    re.DOTALL,
)
_STRAY_TOKEN = re.compile(r"<\|/?[a-z_]+\|>")
_LABELS = frozenset(
    {
        "text", "title", "sub_title", "subtitle", "image", "figure", "table", "equation",
        "formula", "image_caption", "table_caption", "figure_caption", "caption", "header",
        "footer", "page_header", "page_footer", "footnote", "list", "code", "reference",
    }
)  # fmt: skip
"""DeepSeek-OCR's layout labels: a `ref` that is one of them names a region, not its text."""

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class LayoutBox:
    """One region of a page: its text, its label when the markup gave one, and its boxes
    (`x1, y1, x2, y2`, in the model's coordinates: 0-999 across the page)."""

    text: str
    boxes: tuple[Box, ...]
    label: str | None = None

    def as_dict(self) -> dict[str, object]:
        """Plain data, for a document's metadata."""
        return {"text": self.text, "label": self.label, "boxes": [list(b) for b in self.boxes]}


def parse_grounding(raw: str) -> tuple[str, list[LayoutBox]]:
    """The clean text of a page's raw OCR text, and its regions in reading order."""
    pieces: list[str] = []
    regions: list[LayoutBox] = []
    matches = list(_GROUNDED.finditer(raw))
    position = 0
    for number, match in enumerate(matches):
        pieces.append(raw[position : match.start()])
        ref = match["ref"].strip()
        boxes = _boxes(match["coords"])
        end = matches[number + 1].start() if number + 1 < len(matches) else len(raw)
        if ref.lower() in _LABELS:
            following = raw[match.end() : end]
            regions.append(LayoutBox(_clean(following).strip(), boxes, ref.lower()))
            position = match.end()
            if following.startswith("\n"):
                position += 1  # the label's own line ends here
        else:
            regions.append(LayoutBox(ref, boxes))
            pieces.append(ref)
            position = match.end()
    pieces.append(raw[position:])
    return _clean("".join(pieces)), regions


def _clean(text: str) -> str:
    return _STRAY_TOKEN.sub("", text)


def _boxes(coords: str) -> tuple[Box, ...]:
    """`[[x1,y1,x2,y2], …]` (or one flat box); what does not parse is left out, never guessed."""
    try:
        value = json.loads(coords)
    except ValueError:
        return ()
    if isinstance(value, list) and len(value) == 4 and all(_number(v) for v in value):
        value = [value]
    if not isinstance(value, list):
        return ()
    found: list[Box] = []
    for item in value:
        if isinstance(item, list) and len(item) == 4 and all(_number(v) for v in item):
            found.append((float(item[0]), float(item[1]), float(item[2]), float(item[3])))
    return tuple(found)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
