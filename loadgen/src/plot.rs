//! The SVG plots of `docs/PERFORMANCE.md`: memory against open streams and
//! first-text time against visitors at once, a line per database. Plotters'
//! SVG backend with its built-in text layout: no font files, no system
//! libraries.

use crate::database::Engine;
use crate::report::Report;
use anyhow::{Context, Result};
use plotters::prelude::*;
use std::path::{Path, PathBuf};

const SIZE: (u32, u32) = (720, 420);

fn colour(engine: Engine) -> RGBColor {
    match engine {
        Engine::Sqlite => RGBColor(31, 119, 180),
        Engine::Postgres => RGBColor(214, 39, 40),
    }
}

/// A series to draw.
struct Series {
    name: String,
    colour: RGBColor,
    dashed: bool,
    points: Vec<(f64, f64)>,
}

/// Writes the plots the report has data for; returns their paths.
///
/// # Errors
/// When a file cannot be written.
pub(crate) fn write(report: &Report, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    if !report.memory.is_empty() {
        let series = report
            .memory
            .iter()
            .map(|(engine, points)| Series {
                name: engine.label().to_owned(),
                colour: colour(*engine),
                dashed: false,
                points: points.iter().map(|(n, rss)| (*n as f64, *rss)).collect(),
            })
            .collect();
        let path = dir.join("memory-per-stream.svg");
        chart(
            &path,
            "Server RSS against open visitor streams",
            "open streams",
            "RSS, MB",
            series,
        )?;
        written.push(path);
    }
    if !report.curve.is_empty() {
        let mut series = Vec::new();
        for (engine, points) in &report.curve {
            let at = |f: fn(&crate::report::CurvePoint) -> f64| {
                points.iter().map(|p| (p.visitors as f64, f(p))).collect()
            };
            series.push(Series {
                name: format!("{} p50", engine.label()),
                colour: colour(*engine),
                dashed: false,
                points: at(|p| p.p50),
            });
            series.push(Series {
                name: format!("{} p99", engine.label()),
                colour: colour(*engine),
                dashed: true,
                points: at(|p| p.p99),
            });
        }
        if let Some(points) = report.curve.values().next() {
            series.push(Series {
                name: "upstream straight p50".to_owned(),
                colour: RGBColor(90, 90, 90),
                dashed: true,
                points: points
                    .iter()
                    .map(|p| (p.visitors as f64, p.direct_p50))
                    .collect(),
            });
        }
        let path = dir.join("first-text-by-visitors.svg");
        chart(
            &path,
            "First AI text against visitors writing at once",
            "visitors at once",
            "ms to first text",
            series,
        )?;
        written.push(path);
    }
    Ok(written)
}

fn chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: Vec<Series>,
) -> Result<()> {
    let all = series.iter().flat_map(|s| s.points.iter());
    let x_max = all.clone().map(|p| p.0).fold(1.0, f64::max);
    let y_max = all.map(|p| p.1).fold(1.0, f64::max) * 1.1;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    let draw = |err: &dyn std::fmt::Display| anyhow::anyhow!("drawing {}: {err}", path.display());
    root.fill(&WHITE).map_err(|e| draw(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)
        .map_err(|e| draw(&e))?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .draw()
        .map_err(|e| draw(&e))?;
    for s in series {
        let style = ShapeStyle::from(&s.colour).stroke_width(2);
        let drawn = if s.dashed {
            chart.draw_series(DashedLineSeries::new(s.points.clone(), 6, 4, style))
        } else {
            chart.draw_series(LineSeries::new(s.points.clone(), style))
        };
        let colour = s.colour;
        drawn
            .map_err(|e| draw(&e))?
            .label(s.name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour));
        chart
            .draw_series(s.points.iter().map(|p| Circle::new(*p, 3, colour.filled())))
            .map_err(|e| draw(&e))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| draw(&e))?;
    root.present()
        .map_err(|e| draw(&e))
        .context("writing the SVG")
}
