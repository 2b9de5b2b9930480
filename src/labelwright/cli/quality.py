"""`labelwright report` and `labelwright check`: team figures and likely label errors."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from labelwright.cli.common import cli_user, console, context, project_id, run

BAR = "▏▎▍▌▋▊▉█"


def _bar(value: float | None, most: float, width: int = 20) -> str:
    """A horizontal bar drawn with block characters (eighths), for the terminal."""
    if not value or most <= 0:
        return ""
    eighths = round(width * 8 * min(1.0, value / most))
    return "█" * (eighths // 8) + (BAR[eighths % 8 - 1] if eighths % 8 else "")


def _fmt(value: float | None, digits: int = 2, percent: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.0f}%" if percent else f"{value:.{digits}f}"


def report(project: Annotated[str, typer.Argument(help="Project name or id.")]) -> None:
    """Per annotator: throughput, active time, rejections, gold accuracy, agreement; per day."""
    from labelwright.services.quality_report import project_report

    ctx = context()
    pid, name = project_id(ctx, project)
    figures = run(lambda: project_report(ctx, cli_user(ctx), pid))
    console.print(
        f"[bold]{escape(name)}[/bold]: "
        + ", ".join(f"{k} {v}" for k, v in sorted(figures.states.items()))
    )
    if figures.agreement is not None:
        console.print(
            f"Agreement on {figures.agreement_items} overlap items: {figures.agreement:.3f}"
        )
    table = Table(
        "annotator",
        "items",
        "objects",
        "active h",
        "items/h",
        "",
        "rejected",
        "gold F1",
        "agreement",
    )
    fastest = max((p.items_per_hour or 0.0 for p in figures.people), default=0.0)
    for p in figures.people:
        table.add_row(
            escape(p.username),
            str(p.items),
            str(p.objects),
            _fmt(p.active_hours, 1),
            _fmt(p.items_per_hour, 1),
            f"[cyan]{_bar(p.items_per_hour, fastest)}[/cyan]",
            _fmt(p.rejection_rate, percent=True),
            _fmt(p.gold_f1),
            _fmt(p.agreement),
        )
    console.print(table)
    if figures.days:
        busiest = max(d.submitted for d in figures.days) or 1
        days = Table("day", "submitted", "", "accepted", "rejected", "acceptance")
        for d in figures.days[-30:]:
            days.add_row(
                d.day,
                str(d.submitted),
                f"[green]{_bar(d.submitted, busiest)}[/green]",
                str(d.accepted),
                str(d.rejected),
                _fmt(d.acceptance, percent=True),
            )
        console.print(days)


def check(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    model: Annotated[
        str | None, typer.Option(help="Compare with this model's predictions only.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many findings.")] = 50,
) -> None:
    """Likely label errors, most serious first: rule checks and disagreements with models."""
    from labelwright.services.quality_checks import find_problems

    ctx = context()
    pid, name = project_id(ctx, project)
    found = run(lambda: find_problems(ctx, cli_user(ctx), pid, model=model, limit=limit))
    if not found:
        console.print(f"[green]No likely errors found in {escape(name)}.[/green]")
        return
    colours = {"error": "red", "warning": "yellow", "info": "blue"}
    table = Table("severity", "item", "file", "object", "check", "score", "message")
    for f in found:
        colour = colours.get(f.severity, "white")
        table.add_row(
            f"[{colour}]{f.severity}[/{colour}]",
            str(f.item_id),
            escape(f.file_name),
            escape(f.object_id or ""),
            f.check,
            f"{f.score:.2f}",
            escape(f.message),
        )
    console.print(table)
    console.print(f"{len(found)} findings (limit {limit})")
