package dev.backprop.compare;

/** One framework's measurement: its name, best seconds per epoch after warm-up, and a note. */
record EpochTimer(String framework, double epochSeconds, double finalLoss, String note) {
}
