"""Server-drawn SVG pictures of service areas (no map tiles can be fetched here).

A picture is a list of shapes in longitude/latitude, fitted into the SVG north up. Public pictures
(`public_area_svg`) are built only from public facts: the neighborhoods, the travel circle around a
jitter of the base point, and the studio's neighborhood with a marker at the studio's jittered
point. Exact points never reach a public picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

METRES_PER_DEGREE_LAT = 110_540
METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320

AREA, STUDIO_AREA, TRAVEL, STUDIO = "area", "studio-area", "travel", "studio"
_STYLE = {
    AREA: 'fill="#6d5efc" fill-opacity="0.35" stroke="#4b3fd6" stroke-width="1.5"',
    STUDIO_AREA: 'fill="#f2a541" fill-opacity="0.25" stroke="#c77d12" stroke-width="1.5" stroke-dasharray="4 3"',
    TRAVEL: 'fill="#6d5efc" fill-opacity="0.2" stroke="#4b3fd6" stroke-width="1.5" stroke-dasharray="6 4"',
    STUDIO: 'fill="#c77d12" stroke="#fff" stroke-width="2"',
}
STUDIO_MARKER_PX = 6


@dataclass(frozen=True)
class Shape:
    kind: str  # AREA, STUDIO_AREA (polygons), TRAVEL (a circle in metres) or STUDIO (a marker)
    title: str
    rings: tuple[tuple[tuple[float, float], ...], ...] = ()
    center: Point | None = None
    radius_m: float = 0.0


def polygon_shapes(geometry: GEOSGeometry | None, *, kind: str, title: str) -> list[Shape]:
    if geometry is None:
        return []
    polygons = geometry if isinstance(geometry, MultiPolygon) else [geometry]
    return [Shape(kind, title, rings=tuple(tuple(polygon.exterior_ring.coords) for polygon in polygons))]


@dataclass(frozen=True)
class Projection:
    """Longitude/latitude to SVG pixels: equirectangular at the picture's middle latitude."""

    min_lon: float
    max_lat: float
    scale_x: float  # cos(middle latitude)
    scale: float  # pixels per degree of latitude
    off_x: float
    off_y: float

    @classmethod
    def fitting(cls, shapes: list[Shape], *, width: int, height: int, pad: int = 10) -> Projection | None:
        xs, ys = [], []
        for shape in shapes:
            for ring in shape.rings:
                xs += [x for x, _ in ring]
                ys += [y for _, y in ring]
            if shape.center is not None:
                dy = shape.radius_m / METRES_PER_DEGREE_LAT
                dx = shape.radius_m / (METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(shape.center.y)))
                xs += [shape.center.x - dx, shape.center.x + dx]
                ys += [shape.center.y - dy, shape.center.y + dy]
        if not xs:
            return None
        scale_x = math.cos(math.radians((min(ys) + max(ys)) / 2))
        data_w, data_h = (max(xs) - min(xs)) * scale_x, max(ys) - min(ys)
        scale = min((width - 2 * pad) / max(data_w, 1e-3), (height - 2 * pad) / max(data_h, 1e-3))
        return cls(
            min_lon=min(xs),
            max_lat=max(ys),
            scale_x=scale_x,
            scale=scale,
            off_x=(width - data_w * scale) / 2,
            off_y=(height - data_h * scale) / 2,
        )

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        return self.off_x + (lon - self.min_lon) * self.scale_x * self.scale, self.off_y + (
            self.max_lat - lat
        ) * self.scale

    def radii_px(self, center: Point, radius_m: float) -> tuple[float, float]:
        """A circle of `radius_m` metres drawn as an ellipse (rx, ry) in pixels."""
        degrees_lon = radius_m / (METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(center.y)))
        return degrees_lon * self.scale_x * self.scale, radius_m / METRES_PER_DEGREE_LAT * self.scale


def _shape_svg(shape: Shape, projection: Projection) -> SafeString:
    style = mark_safe(_STYLE[shape.kind])  # noqa: S308 - constants above
    if shape.rings:
        d = " ".join(
            "M" + " L".join("{:.1f},{:.1f}".format(*projection.project(x, y)) for x, y in ring) + " Z"
            for ring in shape.rings
        )
        return format_html('<path class="map-{}" d="{}" {}><title>{}</title></path>', shape.kind, d, style, shape.title)
    cx, cy = (f"{value:.1f}" for value in projection.project(shape.center.x, shape.center.y))
    if shape.kind == STUDIO:
        return format_html(
            '<circle class="map-{}" cx="{}" cy="{}" r="{}" {}><title>{}</title></circle>',
            shape.kind, cx, cy, STUDIO_MARKER_PX, style, shape.title,
        )  # fmt: skip
    rx, ry = (f"{value:.1f}" for value in projection.radii_px(shape.center, shape.radius_m))
    return format_html(
        '<ellipse class="map-{}" cx="{}" cy="{}" rx="{}" ry="{}" {}><title>{}</title></ellipse>',
        shape.kind, cx, cy, rx, ry, style, shape.title,
    )  # fmt: skip


def area_svg(*, shapes: list[Shape], label: str = "Service area", width: int = 320, height: int = 220) -> SafeString:
    """An SVG drawing each shape (areas first, then circles, then markers), or "" with none."""
    projection = Projection.fitting(shapes, width=width, height=height)
    if projection is None:
        return mark_safe("")  # noqa: S308 - constant
    order = {AREA: 0, STUDIO_AREA: 1, TRAVEL: 2, STUDIO: 3}
    drawn = format_html_join(
        "", "{}", ((_shape_svg(shape, projection),) for shape in sorted(shapes, key=lambda s: order[s.kind]))
    )
    return format_html(
        '<svg class="area-map" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">'
        '<title>{}</title><rect width="100%" height="100%" fill="#eef3f8" />{}</svg>',
        width, height, label, label, drawn,
    )  # fmt: skip


def _travel_title(radius_m: int) -> str:
    km = radius_m / 1000
    return f"Travels up to {km:g} km" if km < 10 else f"Travels up to {km:.0f} km"


def public_shapes(profile) -> list[Shape]:
    """What students may see of where the instructor teaches."""
    from catalog.services import public_travel_center

    shapes = []
    hoods = list(profile.neighborhoods.all())
    for hood in hoods:
        shapes += polygon_shapes(hood.boundary, kind=AREA, title=hood.name)
    center = public_travel_center(profile)
    if profile.travel_radius_m and center is not None:
        shapes.append(
            Shape(TRAVEL, _travel_title(profile.travel_radius_m), center=center, radius_m=profile.travel_radius_m)
        )
    if profile.studio_address and profile.public_point is not None:
        studio_hood = profile.studio_neighborhood
        if studio_hood is not None and studio_hood not in hoods:
            shapes += polygon_shapes(studio_hood.boundary, kind=STUDIO_AREA, title=f"Studio in {studio_hood.name}")
        shapes.append(Shape(STUDIO, "Studio (approximate location)", center=profile.public_point))
    return shapes


def public_area_svg(profile) -> SafeString:
    return area_svg(shapes=public_shapes(profile), label=f"Where {profile.user.first_name} teaches")


def own_area_svg(profile) -> SafeString:
    """The onboarding picture: the instructor's whole stored coverage (their own, exact), and their
    studio as students see it."""
    shapes = polygon_shapes(profile.coverage, kind=AREA, title="Where you travel")
    shapes += [shape for shape in public_shapes(profile) if shape.kind in (STUDIO_AREA, STUDIO)]
    return area_svg(shapes=shapes, label="Your service area")
