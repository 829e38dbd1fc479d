"""A campaign report as a PDF a manager can pass on: the figures of `campaign_report` and its two charts.

Drawn with fpdf2's own lines and text (no browser, no image export), so the
PDF holds exactly the report's numbers: the groups, the headline lift with
its interval, incremental revenue and return on cost, the notes, the share
who bought by day for treated and control, the lifts with their intervals
(shares and revenue on scales of their own), the variants and the genes
that over-index among responders.
"""

from fpdf import FPDF

from genome.campaigns.measure import GOALS

GREEN, GREY, INK = (47, 111, 94), (154, 165, 160), (40, 40, 40)
WORDS = {"purchase": "bought anything", "revenue": "revenue per recipient", "coupon_redemption": "redeemed the coupon",
         "click": "clicked"}


def _text(value) -> str:
    """Text the PDF's core font can draw (Latin-1); anything else becomes '?'."""
    return str(value).encode("latin-1", "replace").decode("latin-1")


def _line(pdf: FPDF, text: str, *, size: int = 10, bold: bool = False, height: float = 5.5) -> None:
    pdf.set_font("Helvetica", "B" if bold else "", size)
    pdf.multi_cell(0, height, _text(text), new_x="LMARGIN", new_y="NEXT")


def _table(pdf: FPDF, header: list[str], rows: list[list], widths: list[float]) -> None:
    pdf.set_font("Helvetica", "B", 8.5)
    for title, width in zip(header, widths):
        pdf.cell(width, 5.5, _text(title), border="B")
    pdf.ln()
    pdf.set_font("Helvetica", "", 8.5)
    for row in rows:
        for value, width in zip(row, widths):
            pdf.cell(width, 5, _text(value))
        pdf.ln()
    pdf.ln(2)


def _cumulative(pdf: FPDF, daily: dict[str, list[float]], *, x: float, y: float, w: float, h: float) -> None:
    """Share who bought by day since the send, treated and control, as two polylines in a framed box."""
    top = max(max(daily["treated"] + daily["control"]), 0.001) * 1.1
    days = len(daily["treated"])
    pdf.set_draw_color(*GREY)
    pdf.rect(x, y, w, h)
    pdf.set_font("Helvetica", "", 7)
    for share in (0, top / 2, top):
        pdf.text(x - 11, y + h - share / top * h + 1, f"{share:.1%}")
    for group, colour in (("control", GREY), ("treated", GREEN)):
        points = [(x + (d + 0.5) / days * w, y + h - v / top * h) for d, v in enumerate(daily[group])]
        pdf.set_draw_color(*colour)
        pdf.set_line_width(0.6)
        for a, b in zip(points, points[1:]):
            pdf.line(*a, *b)
        pdf.set_text_color(*colour)
        pdf.text(points[-1][0] + 1.5, points[-1][1] + 1, group)
    pdf.set_line_width(0.2)
    pdf.set_text_color(*INK)
    pdf.text(x + w / 2 - 8, y + h + 4, f"day 1 to {days}")


def _intervals(pdf: FPDF, lifts: dict, outcomes: list[str], *, scale: float, unit: str, x: float, y: float,
               w: float) -> float:
    """Each outcome's plain and CUPED lift as a point with its 95% interval on a shared axis; returns the height."""
    values = [v for o in outcomes for k in ("plain", "cuped")
              for v in (lifts[o][k]["absolute_low"], lifts[o][k]["absolute_high"])]
    low, high = min(min(values), 0) * scale, max(max(values), 0) * scale
    span = (high - low) or 1.0
    label, plot = 38, w - 38

    def at(value: float) -> float:
        return x + label + (value * scale - low) / span * plot

    row = 7
    pdf.set_draw_color(*INK)
    pdf.set_dash_pattern(dash=0.8, gap=0.8)
    pdf.line(at(0), y, at(0), y + row * len(outcomes))
    pdf.set_dash_pattern()
    pdf.set_font("Helvetica", "", 7.5)
    for i, outcome in enumerate(outcomes):
        middle = y + row * i + row / 2
        pdf.text(x, middle + 1, _text(WORDS[outcome]))
        for k, colour, shift in (("plain", GREY, -1.2), ("cuped", GREEN, 1.2)):
            lift = lifts[outcome][k]
            pdf.set_draw_color(*colour)
            pdf.set_fill_color(*colour)
            pdf.set_line_width(0.5)
            pdf.line(at(lift["absolute_low"]), middle + shift, at(lift["absolute_high"]), middle + shift)
            pdf.circle(at(lift["absolute"]), middle + shift, 0.9, style="F")
    pdf.set_line_width(0.2)
    pdf.set_font("Helvetica", "", 7)
    bottom = y + row * len(outcomes) + 3.5
    pdf.text(x + label, bottom, f"{low:+.3g}{unit}")
    pdf.text(x + w - 12, bottom, f"{high:+.3g}{unit}")
    return row * len(outcomes) + 6


def report_pdf(report: dict, *, compress: bool = True) -> bytes:
    """`report` (what `campaign_report` returns) as a one- or two-page PDF (its text left readable in the file
    without `compress`)."""
    pdf = FPDF(format="A4")
    pdf.set_compression(compress)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(18, 16, 18)
    pdf.add_page()
    pdf.set_text_color(*INK)
    _line(pdf, f"Campaign report: {report['campaign']}", size=16, bold=True, height=9)
    sent = f", sent {report['sent_from'][:10]}" if report.get("sent_from") else ""
    _line(pdf, f"Goal: {GOALS[report['goal']]}. {report['window_days']}-day attribution window{sent}. "
               f"State: {report['state']}.", size=9)
    pdf.ln(2)
    groups = report.get("groups")
    if groups:
        _table(pdf, ["group", "recipients", "bought in the window", "revenue per recipient", "redeemed", "clicked"],
               [[g, f"{x['recipients']:,}", f"{x['response_rate']:.2%}", f"{x['revenue_per_recipient']:,.2f}",
                 f"{x['redemptions']:,}", f"{x['clickers']:,}"] for g, x in groups.items()],
               [24, 26, 36, 38, 25, 25])
    head = report.get("headline")
    if head:
        _line(pdf, report["summary"][0], bold=True)
        _line(pdf, report["summary"][1])
    for note in report["notes"]:
        _line(pdf, f"Note: {note}", size=9)
    if head:
        pdf.ln(3)
        _line(pdf, "Share who bought, by day since the send", bold=True)
        y = pdf.get_y() + 2
        _cumulative(pdf, report["daily"], x=pdf.l_margin + 12, y=y, w=140, h=45)
        pdf.set_y(y + 52)
        _line(pdf, "Lift with its 95% interval (grey: plain; green: CUPED)", bold=True)
        shares = [o for o in report["lifts"] if o != "revenue"]
        y = pdf.get_y() + 2
        y += _intervals(pdf, report["lifts"], shares, scale=100, unit=" pts", x=pdf.l_margin, y=y, w=170)
        y += _intervals(pdf, report["lifts"], ["revenue"], scale=1, unit="", x=pdf.l_margin, y=y + 2, w=170)
        pdf.set_y(y + 4)
        if report["variants"]:
            _line(pdf, "Per variant (each against the whole control group, plain lift on buying)", bold=True)
            _table(pdf, ["variant", "recipients", "bought", "revenue per recipient", "lift", "95% interval"],
                   [[v["variant"], f"{v['recipients']:,}", f"{v['response_rate']:.2%}",
                     f"{v['revenue_per_recipient']:,.2f}",
                     *([f"{v['lifts']['purchase']['absolute']:+.2%}",
                        f"{v['lifts']['purchase']['absolute_low']:+.2%} to "
                        f"{v['lifts']['purchase']['absolute_high']:+.2%}"] if v["lifts"] else ["-", "-"])]
                    for v in report["variants"]], [46, 22, 20, 34, 18, 34])
        if report.get("over_index"):
            _line(pdf, "Genes that over-index among responders", bold=True)
            _table(pdf, ["gene", "among responders", "among treated", "lift"],
                   [[g["gene"], f"{g['audience_share']:.1%}", f"{g['base_share']:.1%}", f"{g['lift']:.2f}x"]
                    for g in report["over_index"]], [80, 32, 32, 24])
    if breakdown := report.get("responses_by"):
        _line(pdf, f"Recipients by {breakdown['gene']} (who responded, not what the campaign caused)", bold=True)
        _table(pdf, [breakdown["gene"], "recipients", "bought", "redeemed"],
               [[r["value"], f"{r['recipients']:,}", f"{r['bought']:.1%}", f"{r['redeemed']:.1%}"]
                for r in breakdown["rows"]], [60, 30, 30, 30])
    return bytes(pdf.output())
