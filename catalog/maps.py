"""Server-drawn SVG pictures of service areas (no map tiles can be fetched here)."""

from __future__ import annotations

import math

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def _circle_polygon(center: Point, radius_m: float, sides: int = 48) -> list[tuple[float, float]]:
    kx = 111_320 * math.cos(math.radians(center.y))
    return [
        (center.x + radius_m * math.cos(2 * math.pi * i / sides) / kx,
         center.y + radius_m * math.sin(2 * math.pi * i / sides) / 110_540)
        for i in range(sides + 1)
    ]  # fmt: skip


def _rings(geometry: GEOSGeometry) -> list[list[tuple[float, float]]]:
    polygons = geometry if isinstance(geometry, MultiPolygon) else [geometry]
    return [list(polygon.exterior_ring.coords) for polygon in polygons]


def area_svg(
    *, areas: list[GEOSGeometry], circles: list[tuple[Point, float]] = (), label: str = "Service area",
    width: int = 320, height: int = 220,
) -> SafeString:  # fmt: skip
    """An SVG with each area polygon and circle filled, fitted to the picture, north up."""
    rings = [ring for area in areas if area is not None for ring in _rings(area)]
    rings += [_circle_polygon(center, radius) for center, radius in circles if center is not None and radius]
    if not rings:
        return mark_safe("")  # noqa: S308 - constant
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    mid_lat = (min(ys) + max(ys)) / 2
    scale_x = math.cos(math.radians(mid_lat))
    span_x = max((max(xs) - min(xs)) * scale_x, 1e-4)
    span_y = max(max(ys) - min(ys), 1e-4)
    pad = 10
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    off_x = (width - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2

    def project(x: float, y: float) -> str:
        return f"{off_x + (x - min(xs)) * scale_x * scale:.1f},{off_y + (max(ys) - y) * scale:.1f}"

    paths = format_html_join(
        "", '<path d="{}" />', (("M" + " L".join(project(x, y) for x, y in ring) + " Z",) for ring in rings)
    )
    return format_html(
        '<svg class="area-map" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">'
        '<rect width="100%" height="100%" fill="#eef3f8" />'
        '<g fill="#6d5efc" fill-opacity="0.35" stroke="#4b3fd6" stroke-width="1.5">{}</g></svg>',
        width, height, label, paths,
    )  # fmt: skip


def public_area_svg(profile) -> SafeString:
    """What students see: the neighborhoods and the travel circle around the *public* point,
    so the picture never reveals a studio's or home's exact place."""
    circles = []
    if profile.travel_radius_m and profile.public_point:
        circles.append((profile.public_point, profile.travel_radius_m))
    areas = [hood.boundary for hood in profile.neighborhoods.all()]
    return area_svg(areas=areas, circles=circles, label=f"Where {profile.user.first_name} teaches")
