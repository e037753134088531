//! The scaling plot: our throughput by thread count per workload, against
//! perfect scaling from the single-thread figure.

use std::path::Path;

use plotters::prelude::*;

use super::Row;

pub fn scaling(path: &Path, results: &[(&str, &str, Vec<Row>)]) -> Result<(), String> {
    let series: Vec<(&str, Vec<(f64, f64)>)> = results
        .iter()
        .map(|(_, seed, rows)| {
            let mut points: Vec<(f64, f64)> = rows
                .iter()
                .filter(|r| r.ours)
                .map(|r| (r.threads as f64, r.mb_per_s()))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            (*seed, points)
        })
        .filter(|(_, p)| !p.is_empty())
        .collect();
    let max_threads = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|x| x.0))
        .fold(1.0, f64::max);
    let max_y = series
        .iter()
        .flat_map(|(_, p)| {
            let single = p.first().map_or(0.0, |x| x.1);
            p.iter().map(move |x| x.1.max(single * x.0))
        })
        .fold(1.0, f64::max);
    let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "strs_tools: throughput by threads (dashed: perfect scaling)",
            ("sans-serif", 20),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0.5..max_threads + 0.5, 0.0..max_y * 1.1)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("threads")
        .y_desc("MB/s")
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, (name, points)) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 4, color.filled())),
            )
            .map_err(|e| e.to_string())?;
        let single = points.first().map_or(0.0, |p| p.1);
        chart
            .draw_series(DashedLineSeries::new(
                points.iter().map(|&(x, _)| (x, single * x)),
                4,
                4,
                color.stroke_width(1),
            ))
            .map_err(|e| e.to_string())?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
