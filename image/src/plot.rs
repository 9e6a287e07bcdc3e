//! A small SVG line chart on log-log axes (the benchmark plots): no plotting crate needed
//! for lines, points, axes and a legend.

use std::fmt::Write;

pub struct Series {
    pub name: String,
    pub color: &'static str,
    pub dashed: bool,
    /// (x, y), both positive.
    pub points: Vec<(f64, f64)>,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 460.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 230.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;

/// Decades (powers of 10) or octaves (powers of 2) that cover `values`.
fn bounds(values: impl Iterator<Item = f64>, base: f64) -> (i32, i32) {
    let (low, high) = values.fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(v), h.max(v)));
    if low > high {
        return (0, 1);
    }
    let low = low.log(base).floor() as i32;
    let high = (high.log(base).ceil() as i32).max(low + 1);
    (low, high)
}

fn label(value: f64) -> String {
    match value {
        v if v >= 1e9 => format!("{}G", v / 1e9),
        v if v >= 1e6 => format!("{}M", v / 1e6),
        v if v >= 1e3 => format!("{}k", v / 1e3),
        v => format!("{v}"),
    }
}

/// The chart: x on a log-2 axis, y on a log-10 axis.
pub fn line_chart(title: &str, x_title: &str, y_title: &str, series: &[Series]) -> String {
    let all = || series.iter().flat_map(|s| s.points.iter());
    let (x0, x1) = bounds(all().map(|p| p.0), 2.0);
    let (y0, y1) = bounds(all().map(|p| p.1), 10.0);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |v: f64| LEFT + (v.log2() - x0 as f64) / (x1 - x0) as f64 * plot_w;
    let y = |v: f64| TOP + plot_h - (v.log10() - y0 as f64) / (y1 - y0) as f64 * plot_h;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(svg, r#"<text x="{}" y="22" font-size="15" text-anchor="middle">{title}</text>"#, WIDTH / 2.0);
    for e in x0..=x1 {
        let value = 2f64.powi(e);
        let px = x(value);
        let _ =
            writeln!(svg, r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{:.1}" stroke="#ddd"/>"##, TOP + plot_h);
        if e % 2 == 0 || x1 - x0 <= 8 {
            let _ = writeln!(
                svg,
                r#"<text x="{px:.1}" y="{:.1}" text-anchor="middle">{value}</text>"#,
                TOP + plot_h + 18.0,
            );
        }
    }
    for e in y0..=y1 {
        let value = 10f64.powi(e);
        let py = y(value);
        let _ =
            writeln!(svg, r##"<line x1="{LEFT}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#ddd"/>"##, LEFT + plot_w);
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            py + 4.0,
            label(value)
        );
    }
    let _ =
        writeln!(svg, r#"<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="black"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{x_title}</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 15.0
    );
    let _ = writeln!(
        svg,
        r#"<text x="18" y="{:.1}" text-anchor="middle" transform="rotate(-90 18 {:.1})">{y_title}</text>"#,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0
    );
    for (i, s) in series.iter().enumerate() {
        let dash = if s.dashed { r#" stroke-dasharray="6 4""# } else { "" };
        let path: Vec<String> = s.points.iter().map(|&(px, py)| format!("{:.1},{:.1}", x(px), y(py))).collect();
        let _ = writeln!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{dash}/>"#,
            path.join(" "),
            s.color
        );
        for &(px, py) in &s.points {
            let _ = writeln!(svg, r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"/>"#, x(px), y(py), s.color);
        }
        let ly = TOP + 14.0 + i as f64 * 20.0;
        let lx = LEFT + plot_w + 14.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{}" stroke-width="2"{dash}/><text x="{}" y="{}">{}</text>"#,
            lx + 26.0,
            s.color,
            lx + 32.0,
            ly + 4.0,
            s.name
        );
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_has_every_series_and_point() {
        let series = [
            Series { name: "a".into(), color: "red", dashed: false, points: vec![(1.0, 100.0), (16384.0, 120.0)] },
            Series { name: "b".into(), color: "blue", dashed: true, points: vec![(1.0, 50.0), (16.0, 5e6)] },
        ];
        let svg = line_chart("t", "N", "ticks", &series);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 4);
        assert!(svg.contains(">a</text>") && svg.contains(">b</text>"));
        assert!(svg.contains("stroke-dasharray"));
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn bounds_cover_the_values() {
        assert_eq!(bounds([3.0, 900.0].into_iter(), 10.0), (0, 3));
        assert_eq!(bounds([1.0, 16384.0].into_iter(), 2.0), (0, 14));
        assert_eq!(bounds(std::iter::empty(), 10.0), (0, 1));
    }
}
