"""Builds the bundled NYC gazetteer (`nyc_gazetteer.json`) from the hand-kept lists below.

Run `python catalog/data/build_gazetteer.py` after changing a list; the JSON is committed.

The neighborhood polygons are APPROXIMATE and hand-made: each neighborhood is the set of
points nearer to its centre than to any other neighborhood's centre (a Voronoi cell), cut to
at most about 2 km from the centre. They are good enough for "does this instructor travel
there?" in a demo, and every seeded point falls inside its own polygon (a test checks it).
Street intersections in Manhattan are computed from the grid (about 80 m per street, 270 m
per avenue block), so they are approximate too.
"""

import json
import math
from pathlib import Path

# name, borough, latitude, longitude (approximate centres)
NEIGHBORHOODS = [
    ("Financial District", "Manhattan", 40.7075, -74.0113),
    ("Tribeca", "Manhattan", 40.7163, -74.0086),
    ("SoHo", "Manhattan", 40.7233, -74.0030),
    ("Chinatown", "Manhattan", 40.7158, -73.9970),
    ("Lower East Side", "Manhattan", 40.7150, -73.9843),
    ("East Village", "Manhattan", 40.7265, -73.9815),
    ("Greenwich Village", "Manhattan", 40.7335, -73.9990),
    ("West Village", "Manhattan", 40.7360, -74.0060),
    ("Chelsea", "Manhattan", 40.7465, -74.0014),
    ("Flatiron", "Manhattan", 40.7411, -73.9897),
    ("Gramercy", "Manhattan", 40.7368, -73.9845),
    ("Murray Hill", "Manhattan", 40.7479, -73.9757),
    ("Midtown", "Manhattan", 40.7549, -73.9840),
    ("Hell's Kitchen", "Manhattan", 40.7638, -73.9918),
    ("Upper West Side", "Manhattan", 40.7870, -73.9754),
    ("Upper East Side", "Manhattan", 40.7736, -73.9566),
    ("Harlem", "Manhattan", 40.8116, -73.9465),
    ("East Harlem", "Manhattan", 40.7957, -73.9389),
    ("Washington Heights", "Manhattan", 40.8417, -73.9394),
    ("Inwood", "Manhattan", 40.8677, -73.9212),
    ("Brooklyn Heights", "Brooklyn", 40.6960, -73.9933),
    ("DUMBO", "Brooklyn", 40.7033, -73.9881),
    ("Downtown Brooklyn", "Brooklyn", 40.6930, -73.9860),
    ("Williamsburg", "Brooklyn", 40.7081, -73.9571),
    ("Greenpoint", "Brooklyn", 40.7304, -73.9515),
    ("Bushwick", "Brooklyn", 40.6944, -73.9213),
    ("Bedford-Stuyvesant", "Brooklyn", 40.6872, -73.9418),
    ("Fort Greene", "Brooklyn", 40.6921, -73.9742),
    ("Clinton Hill", "Brooklyn", 40.6897, -73.9661),
    ("Prospect Heights", "Brooklyn", 40.6775, -73.9692),
    ("Park Slope", "Brooklyn", 40.6710, -73.9814),
    ("Carroll Gardens", "Brooklyn", 40.6795, -73.9991),
    ("Cobble Hill", "Brooklyn", 40.6860, -73.9969),
    ("Red Hook", "Brooklyn", 40.6734, -74.0083),
    ("Crown Heights", "Brooklyn", 40.6694, -73.9422),
    ("Flatbush", "Brooklyn", 40.6409, -73.9624),
    ("Windsor Terrace", "Brooklyn", 40.6539, -73.9756),
    ("Sunset Park", "Brooklyn", 40.6455, -74.0124),
    ("Bay Ridge", "Brooklyn", 40.6264, -74.0299),
    ("Bensonhurst", "Brooklyn", 40.6049, -73.9982),
    ("Sheepshead Bay", "Brooklyn", 40.5868, -73.9541),
    ("Brighton Beach", "Brooklyn", 40.5781, -73.9597),
    ("Coney Island", "Brooklyn", 40.5775, -73.9880),
    ("Long Island City", "Queens", 40.7447, -73.9485),
    ("Astoria", "Queens", 40.7644, -73.9235),
    ("Sunnyside", "Queens", 40.7433, -73.9196),
    ("Jackson Heights", "Queens", 40.7557, -73.8831),
    ("Elmhurst", "Queens", 40.7365, -73.8780),
    ("Forest Hills", "Queens", 40.7181, -73.8448),
    ("Flushing", "Queens", 40.7675, -73.8331),
    ("Ridgewood", "Queens", 40.7043, -73.9018),
    ("Bayside", "Queens", 40.7686, -73.7771),
    ("Jamaica", "Queens", 40.7027, -73.7890),
    ("Mott Haven", "Bronx", 40.8091, -73.9229),
    ("Concourse", "Bronx", 40.8270, -73.9200),
    ("Fordham", "Bronx", 40.8615, -73.8904),
    ("Riverdale", "Bronx", 40.8940, -73.9110),
    ("Pelham Bay", "Bronx", 40.8505, -73.8330),
    ("St. George", "Staten Island", 40.6437, -74.0736),
    ("West New Brighton", "Staten Island", 40.6334, -74.1118),
    ("Great Kills", "Staten Island", 40.5543, -74.1516),
    ("Tottenville", "Staten Island", 40.5127, -74.2465),
]

# ZIP code -> neighborhood name (the ZIP's point is taken inside that neighborhood).
ZIPS = {
    "10004": "Financial District",
    "10005": "Financial District",
    "10006": "Financial District",
    "10038": "Financial District",
    "10007": "Tribeca",
    "10013": "Tribeca",
    "10012": "SoHo",
    "10002": "Lower East Side",
    "10009": "East Village",
    "10003": "East Village",
    "10014": "West Village",
    "10011": "Chelsea",
    "10001": "Chelsea",
    "10010": "Flatiron",
    "10016": "Murray Hill",
    "10017": "Midtown",
    "10018": "Midtown",
    "10036": "Midtown",
    "10019": "Hell's Kitchen",
    "10023": "Upper West Side",
    "10024": "Upper West Side",
    "10025": "Upper West Side",
    "10021": "Upper East Side",
    "10028": "Upper East Side",
    "10065": "Upper East Side",
    "10075": "Upper East Side",
    "10128": "Upper East Side",
    "10026": "Harlem",
    "10027": "Harlem",
    "10030": "Harlem",
    "10029": "East Harlem",
    "10035": "East Harlem",
    "10032": "Washington Heights",
    "10033": "Washington Heights",
    "10040": "Washington Heights",
    "10034": "Inwood",
    "11201": "Brooklyn Heights",
    "11211": "Williamsburg",
    "11249": "Williamsburg",
    "11222": "Greenpoint",
    "11237": "Bushwick",
    "11221": "Bushwick",
    "11216": "Bedford-Stuyvesant",
    "11233": "Bedford-Stuyvesant",
    "11205": "Fort Greene",
    "11238": "Prospect Heights",
    "11215": "Park Slope",
    "11217": "Park Slope",
    "11231": "Carroll Gardens",
    "11213": "Crown Heights",
    "11225": "Crown Heights",
    "11226": "Flatbush",
    "11218": "Windsor Terrace",
    "11220": "Sunset Park",
    "11232": "Sunset Park",
    "11209": "Bay Ridge",
    "11214": "Bensonhurst",
    "11204": "Bensonhurst",
    "11229": "Sheepshead Bay",
    "11235": "Brighton Beach",
    "11224": "Coney Island",
    "11101": "Long Island City",
    "11109": "Long Island City",
    "11102": "Astoria",
    "11103": "Astoria",
    "11105": "Astoria",
    "11106": "Astoria",
    "11104": "Sunnyside",
    "11372": "Jackson Heights",
    "11373": "Elmhurst",
    "11375": "Forest Hills",
    "11354": "Flushing",
    "11355": "Flushing",
    "11385": "Ridgewood",
    "11361": "Bayside",
    "11432": "Jamaica",
    "11433": "Jamaica",
    "10454": "Mott Haven",
    "10455": "Mott Haven",
    "10451": "Concourse",
    "10452": "Concourse",
    "10458": "Fordham",
    "10468": "Fordham",
    "10463": "Riverdale",
    "10471": "Riverdale",
    "10465": "Pelham Bay",
    "10461": "Pelham Bay",
    "10301": "St. George",
    "10310": "West New Brighton",
    "10308": "Great Kills",
    "10307": "Tottenville",
}

# Well-known street addresses with approximate coordinates.
ADDRESSES = [
    ("350 5th Ave", "Manhattan", 40.7484, -73.9857),
    ("89 E 42nd St", "Manhattan", 40.7527, -73.9772),
    ("1000 5th Ave", "Manhattan", 40.7794, -73.9632),
    ("30 Rockefeller Plaza", "Manhattan", 40.7587, -73.9787),
    ("11 W 53rd St", "Manhattan", 40.7614, -73.9776),
    ("1 Centre St", "Manhattan", 40.7130, -74.0041),
    ("200 Central Park West", "Manhattan", 40.7813, -73.9740),
    ("2 Lincoln Center Plaza", "Manhattan", 40.7725, -73.9835),
    ("70 Lincoln Center Plaza", "Manhattan", 40.7734, -73.9830),
    ("881 7th Ave", "Manhattan", 40.7651, -73.9799),
    ("4 Penn Plaza", "Manhattan", 40.7505, -73.9934),
    ("1 Washington Sq N", "Manhattan", 40.7318, -73.9973),
    ("2960 Broadway", "Manhattan", 40.8075, -73.9626),
    ("99 Margaret Corbin Dr", "Manhattan", 40.8649, -73.9319),
    ("200 Eastern Pkwy", "Brooklyn", 40.6712, -73.9636),
    ("30 Lafayette Ave", "Brooklyn", 40.6863, -73.9778),
    ("620 Atlantic Ave", "Brooklyn", 40.6826, -73.9754),
    ("1000 Washington Ave", "Brooklyn", 40.6681, -73.9630),
    ("95 Prospect Park West", "Brooklyn", 40.6681, -73.9745),
    ("141 N 7th St", "Brooklyn", 40.7186, -73.9577),
    ("1904 Surf Ave", "Brooklyn", 40.5745, -73.9845),
    ("36-01 35th Ave", "Queens", 40.7566, -73.9239),
    ("22-25 Jackson Ave", "Queens", 40.7455, -73.9465),
    ("41-17 Main St", "Queens", 40.7580, -73.8297),
    ("118-35 Queens Blvd", "Queens", 40.7143, -73.8307),
    ("2300 Southern Blvd", "Bronx", 40.8506, -73.8770),
    ("1 E 161st St", "Bronx", 40.8296, -73.9262),
    ("2900 Southern Blvd", "Bronx", 40.8623, -73.8800),
    ("1000 Richmond Terrace", "Staten Island", 40.6437, -74.1027),
    ("1 Bay St", "Staten Island", 40.6434, -74.0740),
]

# Manhattan grid: 5th Ave & 42nd St, then one street north and one avenue block west.
ORIGIN_LAT, ORIGIN_LON = 40.7531, -73.9810
STREET_STEP = (0.000643, 0.000462)  # (dlat, dlon) per street northwards
AVENUE_STEP = (0.00117, -0.00281)  # (dlat, dlon) per avenue block westwards
# avenue name -> avenue blocks west of 5th Avenue; (first street, last street) on the grid
AVENUES_LOWER = {
    "1st Ave": -2.5,
    "2nd Ave": -2.0,
    "3rd Ave": -1.5,
    "Lexington Ave": -1.15,
    "Park Ave": -0.8,
    "Madison Ave": -0.4,
    "5th Ave": 0.0,
    "6th Ave": 1.0,
    "7th Ave": 2.0,
    "8th Ave": 3.0,
    "9th Ave": 4.0,
    "10th Ave": 5.0,
}
AVENUES_UPPER = {
    "1st Ave": -2.5,
    "2nd Ave": -2.0,
    "3rd Ave": -1.5,
    "Lexington Ave": -1.15,
    "Park Ave": -0.8,
    "Madison Ave": -0.4,
    "5th Ave": 0.0,
    "Columbus Ave": 4.0,
    "Amsterdam Ave": 5.0,
}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def grid_point(street: int, avenue_offset: float) -> tuple[float, float]:
    k = street - 42
    lat = ORIGIN_LAT + k * STREET_STEP[0] + avenue_offset * AVENUE_STEP[0]
    lon = ORIGIN_LON + k * STREET_STEP[1] + avenue_offset * AVENUE_STEP[1]
    return round(lat, 6), round(lon, 6)


def intersections() -> list[tuple[str, str, float, float]]:
    rows = []
    for street in range(14, 60, 1):
        for avenue, offset in AVENUES_LOWER.items():
            if street % 3 == 0 or avenue in ("5th Ave", "Lexington Ave", "8th Ave"):
                lat, lon = grid_point(street, offset)
                rows.append((f"{avenue} & {ordinal(street)} St", "Manhattan", lat, lon))
    for street in range(60, 111, 2):
        for avenue, offset in AVENUES_UPPER.items():
            if street % 4 == 0 or avenue in ("Lexington Ave", "Columbus Ave"):
                lat, lon = grid_point(street, offset)
                rows.append((f"{avenue} & {ordinal(street)} St", "Manhattan", lat, lon))
    return rows


def slugify(name: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in name.replace("'", "").replace(".", ""))
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def cell(index: int, radius_m: float = 2000.0) -> list[list[float]]:
    """The Voronoi cell of one centre, cut to a 16-gon of `radius_m`, in lon/lat."""
    _, _, lat0, lon0 = NEIGHBORHOODS[index]
    kx = 111_320 * math.cos(math.radians(lat0))
    ky = 110_540

    def local(lat, lon):
        return ((lon - lon0) * kx, (lat - lat0) * ky)

    poly = [(radius_m * math.cos(2 * math.pi * i / 16), radius_m * math.sin(2 * math.pi * i / 16)) for i in range(16)]
    for j, (_, _, lat, lon) in enumerate(NEIGHBORHOODS):
        if j == index:
            continue
        ox, oy = local(lat, lon)
        if math.hypot(ox, oy) > 2 * radius_m:
            continue
        # keep the half-plane nearer to the origin: p·o <= |o|²/2
        limit = (ox * ox + oy * oy) / 2
        clipped = []
        for k in range(len(poly)):
            p, q = poly[k], poly[(k + 1) % len(poly)]
            fp, fq = p[0] * ox + p[1] * oy - limit, q[0] * ox + q[1] * oy - limit
            if fp <= 0:
                clipped.append(p)
            if (fp < 0 < fq) or (fq < 0 < fp):
                t = fp / (fp - fq)
                clipped.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
        poly = clipped
    ring = [[round(lon0 + x / kx, 6), round(lat0 + y / ky, 6)] for x, y in poly]
    ring.append(ring[0])
    return ring


def build() -> dict:
    names = {name for name, *_ in NEIGHBORHOODS}
    if not set(ZIPS.values()) <= names:
        raise ValueError(f"ZIPs name unknown neighborhoods: {set(ZIPS.values()) - names}")
    return {
        "note": "Approximate, hand-made data for New York City. See build_gazetteer.py.",
        "neighborhoods": [
            {"slug": slugify(name), "name": name, "region": region, "center": [lon, lat], "boundary": cell(i)}
            for i, (name, region, lat, lon) in enumerate(NEIGHBORHOODS)
        ],
        "zips": {zip_code: slugify(name) for zip_code, name in sorted(ZIPS.items())},
        "places": [
            {"label": label, "region": region, "point": [lon, lat]}
            for label, region, lat, lon in ADDRESSES + intersections()
        ],
    }


if __name__ == "__main__":
    target = Path(__file__).with_name("nyc_gazetteer.json")
    target.write_text(json.dumps(build(), indent=0, ensure_ascii=False) + "\n")
    print(f"wrote {target}")  # noqa: T201
