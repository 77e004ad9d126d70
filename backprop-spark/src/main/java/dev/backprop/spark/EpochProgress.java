package dev.backprop.spark;

import java.util.Locale;

/**
 * One epoch of data-parallel training as worker 0 reports it to the driver while training runs:
 * the epoch (from 1) of how many, the global mean training loss, the accuracy over all partitions
 * (NaN for a regression), the learning rate, the epoch's training seconds, and the examples all
 * workers took.
 */
public record EpochProgress(int epoch, int epochs, double loss, double accuracy, double lr, double seconds, long examples) {

    /** The line worker 0 sends. */
    String encode() {
        return epoch + " " + epochs + " " + loss + " " + accuracy + " " + lr + " " + seconds + " " + examples;
    }

    static EpochProgress decode(String line) {
        String[] f = line.trim().split(" ");
        if (f.length != 7) {
            throw new IllegalArgumentException("not a progress line from worker 0: '" + line + "'");
        }
        return new EpochProgress(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Double.parseDouble(f[2]),
                Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]), Long.parseLong(f[6]));
    }

    /** The one-line summary, as a run on one machine prints its epochs. */
    public String line() {
        return String.format(Locale.ROOT, "epoch %d/%d  loss %.4f%s  lr %.3g  %.1fs  %,.0f ex/s", epoch, epochs, loss,
                Double.isNaN(accuracy) ? "" : String.format(Locale.ROOT, "  train_accuracy %.4f", accuracy), lr, seconds,
                seconds > 0 ? examples / seconds : 0);
    }
}
