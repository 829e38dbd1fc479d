"""Charts more than one page draws, so each page draws them the same way."""

import plotly.express as px
from plotly.graph_objects import Figure

from genome.models.card_view import qini_frame


def uplift_curve_figure(curve: dict, *, title: str) -> Figure:
    """Extra buyers per 1,000 customers by the share sent to, targeting by uplift, by propensity and at random."""
    fig = px.line(qini_frame(curve), x="share of customers sent to",
                  y=["by uplift", "by purchase propensity", "at random"], title=title)
    fig.update_layout(yaxis_title="extra buyers per 1,000 customers", legend_title_text="sending",
                      xaxis_tickformat=".0%")
    return fig
