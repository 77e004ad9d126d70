package dev.backprop.spark;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad training data is refused by the one pass before training, naming the example and what was expected. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InputCheckTest {
    private static final DistributedConfig CONFIG = new DistributedConfig(dev.backprop.nn.Architecture.parse("mlp:4"), List.of(3), 2, true, 1e-2, 1, 4, 1,
            Duration.ofSeconds(20));
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("backprop-input-check")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    private static List<Example> good(int n) {
        List<Example> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(new Example(i, new float[] {i, -i, 1}, i % 2));
        }
        return rows;
    }

    private static String refusal(List<Example> rows, DistributedConfig config, int workers) {
        return assertThrows(IllegalArgumentException.class,
                () -> SparkTrainer.fit(sc, sc.parallelize(rows, 2), config, workers)).getMessage();
    }

    @Test
    void badRowsAndTooLittleDataAreRefusedBeforeTraining() {
        List<Example> rows = good(40);
        rows.set(17, new Example(17, new float[] {1, Float.NaN, 2}, 0));
        String m = refusal(rows, CONFIG, 2);
        assertTrue(m.contains("example 17: feature 1 is NaN; fill or drop missing values"), m);

        rows = good(40);
        rows.set(5, new Example(5, new float[] {1, 2}, 0));
        m = refusal(rows, CONFIG, 2);
        assertTrue(m.contains("example 5: 2 features, but the model mlp:4 takes 3 ([3])"), m);

        rows = good(40);
        rows.set(9, new Example(9, new float[] {1, 2, 3}, 2));
        m = refusal(rows, CONFIG, 2);
        assertTrue(m.contains("example 9: label 2.0 is not a class index in [0, 2)"), m);

        m = refusal(good(3), CONFIG, 2);
        assertTrue(m.contains("3 examples for 2 workers of 2 examples a step"), m);

        m = refusal(good(40), CONFIG, 3);
        assertTrue(m.contains("the global batch of 4 does not split evenly over 3 workers"), m);

        m = refusal(good(40), CONFIG, 4);
        assertTrue(m.contains("4 workers need 4 task slots at once (a barrier stage), but the cluster offers 2"), m);
    }
}
