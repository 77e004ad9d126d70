package dev.backprop.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.NamedDatasets;
import dev.backprop.data.PreparedData;
import dev.backprop.io.Json;
import dev.backprop.nn.Activation;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Sequential;
import dev.backprop.optim.Adam;
import dev.backprop.tensor.Generator;
import dev.backprop.train.FitConfig;
import dev.backprop.train.LossFunction;
import dev.backprop.train.Trainer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DashboardTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void thePageAndTheRunsStateAreServedOnLoopback() throws Exception {
        PreparedData digits = NamedDatasets.embeddedDigits();
        Generator g = new Generator(2);
        Sequential model = new Sequential(new Linear(64, 32, g), Activation.relu(), new Linear(32, 10, g));
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), Adam.Config.DEFAULT), LossFunction.crossEntropy());
        String url;
        try (Dashboard dashboard = Dashboard.start(model, 0)) {
            url = dashboard.url();
            assertTrue(url.startsWith("http://127.0.0.1:"), url);
            trainer.fit(digits.train(), digits.test(), FitConfig.DEFAULT.withEpochs(2).withBatchSize(64), dashboard);

            HttpResponse<String> data = get(url + "data");
            assertEquals(200, data.statusCode());
            Map<?, ?> state = (Map<?, ?>) Json.parse(data.body());
            int batches = (digits.train().size() + 63) / 64;
            assertEquals((long) 2 * batches, state.get("step"));
            assertEquals(Boolean.TRUE, state.get("finished"));
            assertEquals(2 * batches, ((List<?>) state.get("batchLoss")).size());
            List<?> epochs = (List<?>) state.get("epochResults");
            assertEquals(2, epochs.size());
            assertTrue(((Map<?, ?>) epochs.get(1)).get("valAccuracy") instanceof Double);
            Map<?, ?> gradients = (Map<?, ?>) state.get("gradients");
            assertEquals(List.of("0.weight", "2.weight"), List.copyOf(gradients.keySet()));

            HttpResponse<String> page = get(url);
            assertTrue(page.body().contains("<canvas id=\"gradients\">") && page.body().contains("src=\"chart.umd.js\"")
                    && !page.body().contains("http"), "the page loads nothing from the network");
            assertTrue(get(url + "chart.umd.js").body().length() > 100_000);
            assertEquals(404, get(url + "nothing-here").statusCode());
        }
        assertThrows(IOException.class, () -> get(url + "data"), "closed: no longer served");
    }
}
