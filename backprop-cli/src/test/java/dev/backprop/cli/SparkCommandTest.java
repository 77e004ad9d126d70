package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --spark}: the same run, trained data-parallel on Spark (local[2] here), tested and saved as any run. */
class SparkCommandTest {

    @Test
    void executorsAreSizedToTheCoresTheyGetWhereThoseAreKnown() {
        String base = SparkRun.EXECUTOR_FLAGS;
        org.apache.spark.SparkConf none = new org.apache.spark.SparkConf(false);
        assertEquals(base + " -XX:ActiveProcessorCount=1", SparkRun.executorFlags("local-cluster[2,1,2048]", none));
        assertEquals(base + " -XX:ActiveProcessorCount=3", SparkRun.executorFlags("local-cluster[ 4, 3, 1024 ]", none));
        assertEquals(base, SparkRun.executorFlags("spark://127.0.0.1:7077", none));
        assertEquals(base, SparkRun.executorFlags("local[2]", none));
        org.apache.spark.SparkConf two = new org.apache.spark.SparkConf(false).set("spark.executor.cores", "2");
        assertEquals(base + " -XX:ActiveProcessorCount=2", SparkRun.executorFlags("spark://127.0.0.1:7077", two));
        assertTrue(SparkRun.conf("local-cluster[2,1,2048]").get("spark.executor.extraJavaOptions")
                .endsWith("-XX:ActiveProcessorCount=1"));
    }

    @Test
    void aClassifierTrainsOnSparkAndIsSavedAndTestedAsOnOneMachine(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("digits.safetensors");
        CliRun r = CliRun.of("train", "--model", "mlp:64", "--epochs", "5", "--batch", "32", "--spark", "local[2]",
                "--workers", "2", "--out", model.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("spark local[2]: 2 workers, global batch 32 (16 a worker), gradients summed every step"),
                r.out());
        assertTrue(r.out().contains("epoch 5/5  loss") && r.out().contains("train_accuracy"), r.out());
        double accuracy = Double.parseDouble(r.lastLine().replace("test accuracy: ", ""));
        assertTrue(accuracy > 0.9, r.out());
        assertTrue(Files.exists(model));
        CliRun evaluate = CliRun.of("evaluate", model.toString());
        assertEquals(0, evaluate.exit(), evaluate.err());
        assertTrue(evaluate.out().contains(String.format(java.util.Locale.ROOT, "%.4f", accuracy)), evaluate.out());

        Path checkpoints = dir.resolve("checkpoints");
        CliRun local = CliRun.of("train", "--model", "mlp:64", "--epochs", "5", "--batch", "32", "--spark", "local[2]",
                "--average-every", "4", "--checkpoint-dir", checkpoints.toString(), "--checkpoint-every", "10");
        assertEquals(0, local.exit(), local.out() + local.err());
        assertTrue(local.out().contains("local SGD averaging every 4 steps") && local.out().contains("an averaging: compute"),
                local.out());
        assertTrue(Double.parseDouble(local.lastLine().replace("test accuracy: ", "")) > 0.85, local.out());
        for (String worker : new String[] {"worker-0", "worker-1"}) {
            try (var files = Files.list(checkpoints.resolve(worker))) {
                assertEquals(3, files.filter(p -> p.getFileName().toString().matches("checkpoint-e\\d+-b\\d+\\.safetensors"))
                        .count(), worker + " keeps its newest three checkpoints");
            }
        }
    }

    @Test
    void whatNeedsTheLoopInThisProcessIsRefusedWithTheReason(@TempDir Path dir) throws Exception {
        CliRun report = CliRun.of("train", "--spark", "local[2]", "--report", dir.toString(), "--patience", "2");
        assertEquals(1, report.exit());
        assertTrue(report.err().contains("--report, --patience: not with --spark yet; these watch or steer the training"
                + " loop in this process"), report.err());
        Files.writeString(dir.resolve("tinyshakespeare.txt"), "to be or not to be. ".repeat(50));
        CliRun gpt = CliRun.of("train", "--dataset", "tinyshakespeare", "--data", dir.toString(), "--model", "gpt",
                "--spark", "local[2]");
        assertTrue(gpt.err().contains("a language model does not run on Spark yet"), gpt.err());
        CliRun slots = CliRun.of("train", "--spark", "local[2]", "--workers", "3", "--batch", "30", "--epochs", "1");
        assertTrue(slots.err().contains("3 workers need 3 task slots at once (a barrier stage), but the cluster offers 2"),
                slots.err());
    }
}
