"""PDF/UA tables from WeasyPrint: one structure element per HTML element, and scoped headers.

WeasyPrint (65–70) builds the tag tree page by page, so an HTML table that breaks across pages
becomes one `/Table` per page (a caption alone in the first, when the caption is the last thing
on a page), and so do its section, its body and any list. It also writes no `/Scope` on `TH`
(Matterhorn 15-003). Screen readers then announce several tables, and cells lose their headers.

`install()` wraps two of WeasyPrint's tagging functions, once per process:
- `_build_box_tree` (called once per box, per page): notes which HTML element each structure
  element came from, and gives every `TH` a `/Scope` from its `scope` attribute (`col` and `row`;
  without one, a header in `<thead>` is a column header, any other a row header);
- `add_tags` (once per PDF): afterwards, merges sibling structure elements that came from the
  same HTML element on consecutive pages into the first, recursively, so the table, its body and
  its section are one element each. Marked content that sat directly in a merged element keeps
  its page through a marked-content reference, and the parent tree points at the survivor.

Nothing else changes; tests/reports/test_pdf_structure.py checks every report's PDF (HTML tables
== `/Table` elements, every `TH` scoped). Remove this module when WeasyPrint does both itself.
"""

from __future__ import annotations

import threading

_state = threading.local()
ROW_GROUPS = ("/THead", "/TBody", "/TFoot")
_installed = False


def _scope(html_element) -> str:
    scope = (html_element.get("scope") or "").lower()
    if scope in ("row", "rowgroup"):
        return "/Row"
    if scope in ("col", "colgroup"):
        return "/Column"
    parent = html_element.getparent()
    in_head = parent is not None and parent.getparent() is not None and parent.getparent().tag == "thead"
    return "/Column" if in_head else "/Row"


def install() -> None:
    global _installed
    if _installed:
        return
    from weasyprint import pdf as weasy_pdf
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.pdf import tags

    original_build = tags._build_box_tree
    original_add_tags = weasy_pdf.add_tags

    def build_box_tree(box, parent, pdf, page_number, nums, annotations, page_tags):
        real = box._box if isinstance(box, AbsolutePlaceholder) else box
        html = real.element
        origins = getattr(_state, "origins", None)
        for element in original_build(box, parent, pdf, page_number, nums, annotations, page_tags):
            if element.get("S") == "/TH" and html is not None and real.element_tag == "th":
                element["A"]["Scope"] = _scope(html)
            if origins is not None and html is not None:
                origins[element.number] = (html, real.element_tag, page_number)
            yield element

    def add_tags(pdf, document, pdf_version, page_streams):
        _state.origins = {}
        try:
            original_add_tags(pdf, document, pdf_version, page_streams)
            _merge_split_elements(pdf, _state.origins)
        finally:
            _state.origins = None

    tags._build_box_tree = build_box_tree
    weasy_pdf.add_tags = add_tags
    _installed = True


def _number(reference) -> int:
    return int(bytes(reference).split()[0])


def _merge_split_elements(pdf, origins: dict) -> None:
    import pydyf

    objects = pdf.objects
    replaced: dict[int, int] = {}  # merged-away element number -> survivor number

    def element(reference):
        return objects[_number(reference)] if isinstance(reference, bytes) else None

    fenced: set[int] = set()  # first kids of a repeated table header: never merged into the one before

    def same_origin(a, b) -> bool:
        return (
            a.get("S") == b.get("S")
            and a.number in origins
            and b.number in origins
            and origins[a.number][0] is origins[b.number][0]
            and origins[a.number][1] == origins[b.number][1]
            and origins[a.number][2] != origins[b.number][2]
        )

    def absorb(survivor, child) -> None:
        for grandkid in child["K"]:
            if isinstance(grandkid, int):  # marked content of the later page
                mcr = pydyf.Dictionary({"Type": "/MCR", "Pg": child["Pg"], "MCID": grandkid})
                pdf.add_object(mcr)
                survivor["K"].append(mcr.reference)
                continue
            moved = element(grandkid)
            if moved is not None and moved.get("Type") == "/StructElem":
                moved["P"] = survivor.reference
            survivor["K"].append(grandkid)
        replaced[child.number] = survivor.number
        origins[survivor.number] = origins[survivor.number][:2] + (origins[child.number][2],)

    def merge_children(parent) -> None:
        kids = parent.get("K")
        if not isinstance(kids, list):
            return
        merged: list = []
        for kid in kids:
            child = element(kid)
            previous = element(merged[-1]) if merged else None
            if (
                child is not None
                and previous is not None
                and child.number not in fenced
                and same_origin(child, previous)
            ):
                absorb(previous, child)  # the rest of an element the page break cut
                continue
            if child is not None and child.get("S") in ROW_GROUPS:
                # A table's header (or body) again on a later page, after the body of the page
                # before: one THead, one TBody; the repeated header row stays a row of it.
                earlier = next(
                    (element(k) for k in merged if element(k) is not None and same_origin(child, element(k))), None
                )
                if earlier is not None:
                    fenced.update(_number(k) for k in child["K"] if isinstance(k, bytes))
                    absorb(earlier, child)
                    continue
            merged.append(kid)
        parent["K"] = pydyf.Array(merged)
        for kid in merged:
            child = element(kid)
            if child is not None and child.get("Type") == "/StructElem":
                merge_children(child)

    root = objects[_number(pdf.catalog["StructTreeRoot"])]
    for top in root["K"]:
        merge_children(element(top))
    if not replaced:
        return

    def survivor(number: int) -> int:
        while number in replaced:
            number = replaced[number]
        return number

    # The parent tree maps marked content (and annotations) to their structure element.
    nums = objects[_number(root["ParentTree"])]["Nums"]
    for i in range(1, len(nums), 2):
        value = nums[i]
        if isinstance(value, list):
            for j, ref in enumerate(value):
                if isinstance(ref, bytes) and _number(ref) in replaced:
                    value[j] = objects[survivor(_number(ref))].reference
        elif isinstance(value, bytes) and _number(value) in replaced:
            nums[i] = objects[survivor(_number(value))].reference
