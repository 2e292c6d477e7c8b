package dev.secateur.prune.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A PNG with two panels: FFN width per layer (dense vs pruned) and the headline ratios pruned/dense.
 * Drawn with java.awt so that no plotting library is needed; runs headless.
 */
public final class BeforeAfterChart {
    private static final Color DENSE = new Color(0x8FA8C8);
    private static final Color PRUNED = new Color(0x2E6B3A);
    private static final int W = 1000, H = 460;

    public record Ratio(String label, double value) {
    }

    private BeforeAfterChart() {
    }

    public static void write(Path file, String title, List<Integer> denseFfn, List<Integer> prunedFfn, List<Ratio> ratios) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, 20, 28);
        layers(g, 20, 50, 560, 370, denseFfn, prunedFfn);
        ratios(g, 620, 50, 360, 370, ratios);
        g.dispose();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        ImageIO.write(img, "png", tmp.toFile());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void layers(Graphics2D g, int x, int y, int w, int h, List<Integer> dense, List<Integer> pruned) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.setColor(Color.BLACK);
        g.drawString("FFN width per layer (light: dense, dark: pruned)", x, y + 12);
        int max = dense.stream().mapToInt(Integer::intValue).max().orElse(1);
        int plotTop = y + 30, plotBottom = y + h - 25;
        int n = dense.size();
        double slot = (double) (w - 40) / n;
        for (int i = 0; i < n; i++) {
            int bx = x + 40 + (int) (i * slot);
            int bw = (int) (slot * 0.38);
            bar(g, bx, plotBottom, bw, (double) dense.get(i) / max * (plotBottom - plotTop), DENSE);
            int p = i < pruned.size() ? pruned.get(i) : 0;
            bar(g, bx + bw + 2, plotBottom, bw, (double) p / max * (plotBottom - plotTop), PRUNED);
            g.setColor(Color.BLACK);
            g.drawString("L" + i, bx + bw / 2, plotBottom + 16);
            g.drawString(String.valueOf(p), bx + bw + 2, plotBottom - (int) ((double) p / max * (plotBottom - plotTop)) - 4);
        }
        g.setStroke(new BasicStroke(1));
        g.drawLine(x + 36, plotBottom, x + w, plotBottom);
        g.drawString(String.valueOf(max), x, plotTop + 10);
    }

    private static void ratios(Graphics2D g, int x, int y, int w, int h, List<Ratio> ratios) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.setColor(Color.BLACK);
        g.drawString("pruned / dense", x, y + 12);
        double max = Math.max(1.25, ratios.stream().mapToDouble(Ratio::value).filter(Double::isFinite).max().orElse(1));
        int top = y + 30, rowH = Math.min(50, (h - 40) / Math.max(1, ratios.size()));
        int labelW = 110, plotW = w - labelW - 50;
        for (int i = 0; i < ratios.size(); i++) {
            Ratio r = ratios.get(i);
            int ry = top + i * rowH;
            g.setColor(Color.BLACK);
            g.drawString(r.label(), x, ry + rowH / 2);
            if (Double.isFinite(r.value())) {
                int len = (int) (r.value() / max * plotW);
                g.setColor(PRUNED);
                g.fillRect(x + labelW, ry + 6, len, rowH - 16);
                g.setColor(Color.BLACK);
                g.drawString(String.format("×%.3f", r.value()), x + labelW + len + 4, ry + rowH / 2);
            }
        }
        int one = x + labelW + (int) (1.0 / max * plotW);
        g.setColor(Color.GRAY);
        g.drawLine(one, top, one, top + ratios.size() * rowH);
        g.drawString("1.0", one - 8, top + ratios.size() * rowH + 14);
    }

    private static void bar(Graphics2D g, int x, int bottom, int w, double height, Color c) {
        g.setColor(c);
        g.fillRect(x, bottom - (int) height, w, (int) height);
    }
}
