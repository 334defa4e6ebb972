"""CSV downloads of the billing and earnings pages."""

import csv

from django.http import HttpResponse

# Spreadsheet apps run cells that start with these as formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """A text cell a spreadsheet shows as text (names and services are typed by people)."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def dollars_cell(cents: int | None) -> str:
    """Signed dollars with two decimals; empty when nothing moved."""
    return "" if cents is None else f"{cents / 100:.2f}"


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
