//! The scaling plot: our throughput by thread count per workload (a logarithmic
//! axis), against perfect scaling from the single-thread figure.

use std::path::Path;

use plotters::prelude::*;

use crate::measure::Row;

/// Dark, distinct colours (Okabe-Ito, the darker half, and black): every one
/// readable as a line and as text on white, also to colour-blind readers.
const COLOURS: [RGBColor; 6] = [
    RGBColor(0, 114, 178),  // blue
    RGBColor(213, 94, 0),   // vermillion
    RGBColor(0, 128, 96),   // bluish green, darkened
    RGBColor(170, 51, 119), // reddish purple, darkened
    RGBColor(0, 0, 0),      // black
    RGBColor(150, 110, 0),  // ochre, darkened
];

/// Writes the plot of `results` (ours only) to `path` as SVG, with `note` (for
/// example that the machine was loaded) under the legend.
///
/// # Errors
///
/// If the file cannot be written.
pub fn scaling(path: &Path, results: &[(&str, &str, Vec<Row>)], note: Option<&str>) -> Result<(), String> {
    // The x axis counts tenths of a thread, so that it can have a margin while
    // ticks sit on whole thread counts only.
    let series: Vec<(&str, Vec<(i32, f64)>)> = results
        .iter()
        .map(|(_, seed, rows)| {
            let mut points: Vec<(i32, f64)> = rows
                .iter()
                .filter(|r| r.ours)
                .map(|r| (tenths(r.threads), r.mb_per_s()))
                .collect();
            points.sort_by_key(|p| p.0);
            (*seed, points)
        })
        .filter(|(_, p)| !p.is_empty())
        .collect();
    let mut ticks: Vec<i32> = series.iter().flat_map(|(_, p)| p.iter().map(|x| x.0)).collect();
    ticks.sort_unstable();
    ticks.dedup();
    let max_tick = ticks.last().copied().unwrap_or(10);
    let max_y = series
        .iter()
        .flat_map(|(_, p)| {
            let single = p.first().map_or(0.0, |x| x.1);
            p.iter().map(move |x| x.1.max(single * f64::from(x.0) / 10.0))
        })
        .fold(1.0, f64::max);
    let min_y = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|x| x.1))
        .filter(|y| *y > 0.0)
        .fold(max_y, f64::min);
    let root = SVGBackend::new(path, (1040, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    // The legend has a column of its own, so it never hides a line.
    let (plot_area, legend_area) = root.split_horizontally(720);
    let mut chart = ChartBuilder::on(&plot_area)
        .caption(
            "strs_tools: throughput by threads",
            ("sans-serif", 26).into_font().color(&BLACK),
        )
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(90)
        .build_cartesian_2d(
            (7..max_tick + 3).with_key_points(ticks.clone()),
            // Logarithmic, so that a workload ten times slower than another
            // still shows its slope, and perfect scaling is the same slope for all.
            (min_y / 1.5..max_y * 1.5)
                .log_scale()
                .with_key_points(one_two_five(min_y / 1.5, max_y * 1.5)),
        )
        .map_err(|e| e.to_string())?;
    let label_style = ("sans-serif", 20).into_font().color(&BLACK);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(210, 210, 210))
        .axis_style(BLACK)
        .x_desc("threads")
        .y_desc("MB/s (10^6 bytes/s, log scale)")
        .x_label_formatter(&|x| format!("{}", x / 10))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(label_style.clone())
        .axis_desc_style(label_style)
        .draw()
        .map_err(|e| e.to_string())?;
    let text = ("sans-serif", 20).into_font().color(&BLACK);
    for (i, (name, points)) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(3)))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 5, colour.filled())),
            )
            .map_err(|e| e.to_string())?;
        let single = points.first().map_or(0.0, |p| p.1);
        chart
            .draw_series(DashedLineSeries::new(
                points.iter().map(|&(x, _)| (x, single * f64::from(x) / 10.0)),
                8,
                5,
                colour.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?;
        let y = 80 + 34 * i as i32;
        legend_area
            .draw(&PathElement::new(vec![(8, y), (44, y)], colour.stroke_width(3)))
            .map_err(|e| e.to_string())?;
        legend_area
            .draw(&Circle::new((26, y), 5, colour.filled()))
            .map_err(|e| e.to_string())?;
        legend_area
            .draw(&Text::new(name.to_string(), (54, y - 10), text.clone()))
            .map_err(|e| e.to_string())?;
    }
    let y = 80 + 34 * series.len() as i32 + 10;
    for x in [8, 21, 34] {
        legend_area
            .draw(&PathElement::new(vec![(x, y), (x + 8, y)], BLACK.stroke_width(2)))
            .map_err(|e| e.to_string())?;
    }
    legend_area
        .draw(&Text::new("perfect scaling", (54, y - 10), text.clone()))
        .map_err(|e| e.to_string())?;
    for (k, line) in note.unwrap_or_default().lines().enumerate() {
        legend_area
            .draw(&Text::new(
                line.to_string(),
                (8, y + 40 + 24 * k as i32),
                text.clone(),
            ))
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}

/// The values 1, 2 and 5 times a power of ten between `lo` and `hi`: the
/// labels of a logarithmic axis.
fn one_two_five(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut decade = 10f64.powi(lo.max(1e-3).log10().floor() as i32);
    while decade <= hi {
        for step in [1.0, 2.0, 5.0] {
            let tick = decade * step;
            if (lo..=hi).contains(&tick) {
                ticks.push(tick);
            }
        }
        decade *= 10.0;
    }
    ticks
}

/// `threads` on the x axis.
fn tenths(threads: usize) -> i32 {
    i32::try_from(threads.saturating_mul(10)).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ticks_are_one_two_five_within_the_range() {
        assert_eq!(
            one_two_five(60.0, 12_000.0),
            [100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10_000.0]
        );
        assert_eq!(one_two_five(1.5, 4.0), [2.0]);
    }

    #[test]
    fn the_plot_has_integer_thread_ticks_and_every_series() {
        let rows = |mb: f64| {
            vec![
                Row::new("ours", 1, true, 1_000_000, (1.0 / mb, 1.0)),
                Row::new("ours", 2, true, 1_000_000, (0.6 / mb, 1.1)),
            ]
        };
        let results = [("a", "Workload A", rows(1.0)), ("b", "Workload B", rows(3.0))];
        let dir = std::env::temp_dir().join(format!("strs-bench-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bench.svg");
        scaling(&path, &results, Some("a note\non two lines")).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        // Every text element's content, trimmed.
        let texts: Vec<&str> = svg
            .split("</text>")
            .filter_map(|t| Some(t.rsplit_once('>')?.1.trim()))
            .collect();
        for label in [
            "Workload A",
            "Workload B",
            "perfect scaling",
            "threads",
            "1",
            "2",
            "on two lines",
        ] {
            assert!(texts.contains(&label), "missing {label} in {texts:?}");
        }
        let fractional = |t: &&str| t.contains('.') && t.parse::<f64>().is_ok();
        assert!(!texts.iter().any(fractional), "a fractional tick in {texts:?}");
    }
}
