package io.github.moe4j.model;

/** Row-by-row comparison of logits with a reference: max |diff|, KL(ref || ours), argmax agreement. */
final class LogitStats {
    double maxAbs;
    double maxKl;
    double sumKl;
    int rows;
    int top1;
    int firstArgmaxMismatch = -1;

    void add(float[] ref, int refOff, float[] ours, int oursOff, int n) {
        double[] lr = logSoftmax(ref, refOff, n);
        double[] lo = logSoftmax(ours, oursOff, n);
        double kl = 0;
        int ar = 0;
        int ao = 0;
        for (int i = 0; i < n; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(ref[refOff + i] - ours[oursOff + i]));
            kl += Math.exp(lr[i]) * (lr[i] - lo[i]);
            if (ref[refOff + i] > ref[refOff + ar]) {
                ar = i;
            }
            if (ours[oursOff + i] > ours[oursOff + ao]) {
                ao = i;
            }
        }
        maxKl = Math.max(maxKl, kl);
        sumKl += kl;
        if (ar == ao) {
            top1++;
        } else if (firstArgmaxMismatch < 0) {
            firstArgmaxMismatch = rows;
        }
        rows++;
    }

    double meanKl() {
        return rows == 0 ? 0 : sumKl / rows;
    }

    double top1Rate() {
        return rows == 0 ? 1 : (double) top1 / rows;
    }

    private static double[] logSoftmax(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(x[off + i] - max);
        }
        double lse = max + Math.log(sum);
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = x[off + i] - lse;
        }
        return r;
    }

    @Override
    public String toString() {
        return String.format("max|d|=%.4g maxKL=%.3g meanKL=%.3g top1=%d/%d", maxAbs, maxKl, meanKl(), top1, rows);
    }
}
