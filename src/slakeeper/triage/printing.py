"""The evaluation and training figures, printed for a person."""

from __future__ import annotations

from typing import Any

import typer

__all__ = ["print_evaluation", "print_training"]


def print_training(header: dict[str, Any]) -> None:
    """What a model was trained on, and its figures on the held-out recent share."""
    summary = header["training"]
    typer.echo(
        f"trained on {summary['trained_on']} of {summary['tickets']} tickets, "
        f"{len(header['labels'])} labels, in {summary['seconds']} s"
    )
    if summary["grouped_as_other"]:
        typer.echo(
            f"grouped as 'other' (fewer than {header['options']['min_count']} tickets): "
            + ", ".join(summary["grouped_as_other"])
        )
    if header.get("metrics"):
        typer.echo("on the held-out recent share:")
        print_evaluation(header["metrics"])


def print_evaluation(result: dict[str, Any]) -> None:
    """Headline figures, baselines, per-class table, confusions, coverage, reliability."""
    echo = typer.echo
    echo(
        f"tickets {result['tickets']}  accuracy {result['accuracy']:.3f}  "
        f"macro-F1 {result['macro_f1']:.3f}  top-3 {result['top3']:.3f}  "
        f"calibration error {result['ece']:.3f}"
    )
    for name, figures in result["baselines"].items():
        echo(
            f"  baseline {name:<9} accuracy {figures['accuracy']:.3f}  "
            f"macro-F1 {figures['macro_f1']:.3f}"
        )
    echo(f"{'label':<28} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}")
    for row in result["per_class"]:
        echo(
            f"{row['label'][:28]:<28} {row['precision']:>9.3f} {row['recall']:>7.3f} "
            f"{row['f1']:>6.3f} {row['support']:>8}"
        )
    if result["confusions"]:
        echo("most frequent confusions (true -> predicted: tickets):")
        for truth, predicted, count in result["confusions"]:
            echo(f"  {truth} -> {predicted}: {count}")
    echo("answering only when confident (coverage: accuracy, at confidence >=):")
    for row in result["coverage"]:
        echo(f"  {row['coverage']:>4.0%}: {row['accuracy']:.3f}  (>= {row['threshold']:.2f})")
    echo("reliability (confidence bin: tickets, mean confidence, accuracy):")
    for row in result["reliability"]:
        echo(f"  {row['bin']}: {row['count']:>6}  {row['confidence']:.3f}  {row['accuracy']:.3f}")
    if result.get("unseen_labels"):
        echo(
            "labels not seen in training (counted as 'other'): "
            + ", ".join(result["unseen_labels"])
        )
