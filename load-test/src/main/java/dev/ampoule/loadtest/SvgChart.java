package dev.ampoule.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * A line chart as inline SVG: a few series of (x, y) points, linear x, linear or logarithmic y,
 * axis ticks, a legend, and optionally a shaded band (the warm-up). Self-contained: no script, no
 * external file.
 */
final class SvgChart {

    /** One line. */
    record Series(String name, String color, List<double[]> points) {
    }

    private static final int W = 880;
    private static final int H = 300;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 30;
    private static final int BOTTOM = 45;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logY;
    private final List<Series> series = new ArrayList<>();
    private DoubleFunction<String> xTickLabel = v -> fmt(v);
    private double[] shade;
    private String shadeLabel = "";
    private double[] fixedXTicks;

    SvgChart(String title, String xLabel, String yLabel, boolean logY) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logY = logY;
    }

    SvgChart add(Series s) {
        if (!s.points().isEmpty()) {
            series.add(s);
        }
        return this;
    }

    SvgChart shade(double fromX, double toX, String label) {
        this.shade = new double[] {fromX, toX};
        this.shadeLabel = label;
        return this;
    }

    SvgChart xTicks(double[] ticks, DoubleFunction<String> label) {
        this.fixedXTicks = ticks;
        this.xTickLabel = label;
        return this;
    }

    String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                + "width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">", W, H, W, H));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s</text>",
                LEFT, HtmlReport.esc(title)));
        if (series.isEmpty()) {
            return sb.append("<text x=\"100\" y=\"150\">no data</text></svg>").toString();
        }
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (Series s : series) {
            for (double[] p : s.points()) {
                minX = Math.min(minX, p[0]);
                maxX = Math.max(maxX, p[0]);
                if (!logY || p[1] > 0) {
                    minY = Math.min(minY, p[1]);
                    maxY = Math.max(maxY, p[1]);
                }
            }
        }
        if (maxX <= minX) {
            maxX = minX + 1;
        }
        if (logY) {
            minY = Math.pow(10, Math.floor(Math.log10(Math.max(minY, 0.001))));
            maxY = Math.pow(10, Math.ceil(Math.log10(Math.max(maxY, minY * 10))));
        } else {
            minY = 0;
            maxY = niceCeil(Math.max(maxY, 1));
        }
        final double x0 = minX;
        final double x1 = maxX;
        final double y0 = minY;
        final double y1 = maxY;
        DoubleFunction<Double> px = x -> LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT);
        DoubleFunction<Double> py = y -> {
            double f = logY ? (Math.log10(Math.max(y, y0)) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))
                    : (y - y0) / (y1 - y0);
            return H - BOTTOM - f * (H - TOP - BOTTOM);
        };
        if (shade != null) {
            double a = px.apply(Math.max(x0, shade[0]));
            double b = px.apply(Math.min(x1, shade[1]));
            sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#eee\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" fill=\"#888\">%s</text>", a, TOP, Math.max(0, b - a), H - TOP - BOTTOM,
                    a + 4, TOP + 14, HtmlReport.esc(shadeLabel)));
        }
        // y grid and ticks
        List<Double> yTicks = new ArrayList<>();
        if (logY) {
            for (double v = y0; v <= y1 * 1.0001; v *= 10) {
                yTicks.add(v);
            }
        } else {
            for (int i = 0; i <= 5; i++) {
                yTicks.add(y0 + (y1 - y0) * i / 5);
            }
        }
        for (double v : yTicks) {
            double y = py.apply(v);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", LEFT, W - RIGHT, y, y, LEFT - 6, y + 4, fmt(v)));
        }
        double[] xt = fixedXTicks != null ? fixedXTicks : linearTicks(x0, x1);
        for (double v : xt) {
            if (v < x0 || v > x1) {
                continue;
            }
            double x = px.apply(v);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x, x, H - BOTTOM, H - BOTTOM + 5, x,
                    H - BOTTOM + 18, HtmlReport.esc(xTickLabel.apply(v))));
        }
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>", LEFT,
                W - RIGHT, H - BOTTOM, H - BOTTOM));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                (LEFT + W - RIGHT) / 2, H - 8, HtmlReport.esc(xLabel)));
        sb.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" "
                + "text-anchor=\"middle\">%s</text>", (TOP + H - BOTTOM) / 2, (TOP + H - BOTTOM) / 2, HtmlReport.esc(yLabel)));
        int legendX = W - RIGHT - 10;
        for (int i = series.size() - 1; i >= 0; i--) {
            Series s = series.get(i);
            StringBuilder path = new StringBuilder();
            for (double[] p : s.points()) {
                path.append(path.isEmpty() ? "M" : "L").append(String.format(Locale.ROOT, "%.1f,%.1f",
                        px.apply(p[0]), py.apply(p[1])));
            }
            sb.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\"/>",
                    path, s.color()));
        }
        for (Series s : series) {
            int width = 16 + 7 * s.name().length();
            legendX -= width;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"8\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"17\">%s</text>", legendX, s.color(), legendX + 13, HtmlReport.esc(s.name())));
        }
        return sb.append("</svg>").toString();
    }

    private static double[] linearTicks(double a, double b) {
        double step = niceCeil((b - a) / 8);
        List<Double> out = new ArrayList<>();
        for (double v = Math.ceil(a / step) * step; v <= b + 1e-9; v += step) {
            out.add(v);
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double niceCeil(double v) {
        double e = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * e >= v) {
                return m * e;
            }
        }
        return 10 * e;
    }

    static String fmt(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1_000_000) {
            return String.format(Locale.ROOT, "%.1fM", v / 1e6);
        }
        if (a >= 10_000) {
            return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
