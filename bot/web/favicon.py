"""The icon browsers show beside chatcart's pages: one SVG, at /favicon.svg and where browsers look for it
unasked (/favicon.ico; browsers read the type from the answer, not from the name)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter(include_in_schema=False)
SVG = "image/svg+xml"
CACHE = "public, max-age=86400"  # an icon changes with a release, not between pages


@cache
def _icon() -> bytes:
    return resources.files("templates").joinpath("static", "icons", "favicon.svg").read_bytes()


@router.get("/favicon.svg")
@router.get("/favicon.ico")
async def favicon() -> Response:
    return Response(_icon(), media_type=SVG, headers={"Cache-Control": CACHE})
