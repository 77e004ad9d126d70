package dev.backprop.nn.functional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.autograd.GradCheck;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fused attention op against its definition written with matmul and softmax, and by finite differences. */
class AttentionTest {

    /** softmax(Q K^T / sqrt(d) + mask) V from differentiable ops, the definition the fused op must equal. */
    private static Tensor composed(Tensor q, Tensor k, Tensor v, Tensor keyPadding, boolean causal) {
        int lq = q.size(2);
        int lk = k.size(2);
        float[] mask = new float[q.size(0) * lq * lk];
        for (int b = 0; b < q.size(0); b++) {
            for (int i = 0; i < lq; i++) {
                for (int j = 0; j < lk; j++) {
                    boolean hidden = causal && j > i || keyPadding != null && keyPadding.get(b, j) != 0;
                    mask[(b * lq + i) * lk + j] = hidden ? Float.NEGATIVE_INFINITY : 0f;
                }
            }
        }
        Tensor scores = q.matmul(k.transpose(-2, -1)).mul((float) (1 / Math.sqrt(q.size(3))));
        scores = scores.add(Tensor.fromArray(mask, q.size(0), 1, lq, lk));
        return scores.softmax(-1).matmul(v);
    }

    @Test
    void fusedAttentionEqualsItsDefinitionOnStridedHeadsWithCausalAndPaddingMasks() {
        Generator g = new Generator(5);
        int b = 2;
        int t = 7;
        int heads = 3;
        int d = 5;
        // Q, K and V as per-head views of one packed projection, as in a transformer block.
        Tensor qkv = Tensor.randn(g, b, t, 3 * heads * d).setRequiresGrad(true);
        Tensor padding = Tensor.fromArray(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1}, b, t);
        for (boolean causal : new boolean[] {false, true}) {
            for (Tensor mask : new Tensor[] {null, padding}) {
                Tensor[] fusedGrad = new Tensor[1];
                Tensor[] composedGrad = new Tensor[1];
                Tensor upstream = Tensor.randn(g, b, heads, t, d);
                for (int pass = 0; pass < 2; pass++) {
                    qkv.zeroGrad();
                    Tensor q = qkv.narrow(2, 0, heads * d).reshape(b, t, heads, d).transpose(1, 2);
                    Tensor k = qkv.narrow(2, heads * d, heads * d).reshape(b, t, heads, d).transpose(1, 2);
                    Tensor v = qkv.narrow(2, 2 * heads * d, heads * d).reshape(b, t, heads, d).transpose(1, 2);
                    Tensor y = pass == 0 ? Sequences.scaledDotProductAttention(q, k, v, mask, causal) : composed(q, k, v, mask, causal);
                    y.mul(upstream).sum().backward();
                    (pass == 0 ? fusedGrad : composedGrad)[0] = qkv.grad().clone();
                    if (pass == 0) {
                        assertArrayEquals(composed(q, k, v, mask, causal).toFloatArray(), y.toFloatArray(), 1e-5f,
                                "output, causal " + causal + ", mask " + (mask != null));
                    }
                }
                assertArrayEquals(composedGrad[0].toFloatArray(), fusedGrad[0].toFloatArray(), 1e-5f,
                        "gradient, causal " + causal + ", mask " + (mask != null));
            }
        }
    }

    /** The packed op (one gradient buffer) against split heads, the separate op and merged heads: values and gradients. */
    @Test
    void packedSelfAttentionEqualsSplitHeadsAroundTheFusedOp() {
        Generator g = new Generator(6);
        int b = 2;
        int t = 7;
        int heads = 3;
        int d = 5;
        Tensor qkv = Tensor.randn(g, b, t, 3 * heads * d).setRequiresGrad(true);
        Tensor padding = Tensor.fromArray(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1}, b, t);
        for (boolean causal : new boolean[] {false, true}) {
            for (Tensor mask : new Tensor[] {null, padding}) {
                Tensor upstream = Tensor.randn(g, b, t, heads * d);
                qkv.zeroGrad();
                Tensor[] split = Sequences.splitHeads(qkv, heads);
                Tensor expected = Sequences.mergeHeads(Sequences.scaledDotProductAttention(split[0], split[1], split[2], mask, causal));
                expected.mul(upstream).sum().backward();
                float[] expectedGrad = qkv.grad().toFloatArray();
                qkv.zeroGrad();
                Tensor actual = Sequences.selfAttention(qkv, heads, mask, causal);
                actual.mul(upstream).sum().backward();
                String what = "causal " + causal + ", mask " + (mask != null);
                assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), 1e-6f, "output, " + what);
                assertArrayEquals(expectedGrad, qkv.grad().toFloatArray(), 1e-6f, "gradient, " + what);
            }
        }
        assertThrows(ShapeException.class, () -> Sequences.selfAttention(Tensor.zeros(2, 7, 10), 3, null, true));
    }

    @Test
    void fusedAttentionPassesAFiniteDifferenceCheckWithFewerQueriesThanKeys() {
        Generator g = new Generator(6);
        Tensor q = Tensor.randn(g, 2, 2, 3, 4);
        Tensor k = Tensor.randn(g, 2, 2, 5, 4);
        Tensor v = Tensor.randn(g, 2, 2, 5, 4);
        Tensor padding = Tensor.fromArray(new float[] {0, 0, 0, 0, 1, 0, 1, 0, 0, 0}, 2, 5);
        for (boolean causal : new boolean[] {false, true}) {
            // A weighted sum keeps the float32 loss small, so rounding stays below the differences.
            Tensor weights = Tensor.randn(g, 2, 2, 3, 4);
            GradCheck.Result r = GradCheck.check(GradCheck.Options.DEFAULT.withStep(1e-2), in -> {
                Tensor y = in[0].scaledDotProductAttention(in[1], in[2], padding, causal);
                return y.mul(weights).sum();
            }, q, k, v);
            assertTrue(r.passed(), r.report());
        }
    }

    @Test
    void aQueryThatSeesNoKeyGetsZerosAndNoGradient() {
        Tensor q = Tensor.ones(1, 1, 2, 2).setRequiresGrad(true);
        Tensor kv = Tensor.ones(1, 1, 2, 2).setRequiresGrad(true);
        Tensor allPadding = Tensor.ones(1, 2);
        Tensor y = q.scaledDotProductAttention(kv, kv, allPadding, false);
        assertArrayEquals(new float[4], y.toFloatArray());
        y.sum().backward();
        assertArrayEquals(new float[4], q.grad().toFloatArray());
    }

    @Test
    void paddedSequencesAttendAsIfAloneAndUnpaddedBatchesOfMismatchedLengthsAreRefused() {
        Generator g = new Generator(7);
        int[] shortOne = {1, 2, 3};
        int[] longOne = {4, 5, 6, 7, 8};
        ShapeException e = assertThrows(ShapeException.class, () -> Sequences.batch(List.of(shortOne, longOne)));
        assertTrue(e.getMessage().contains("sequence 1 has 5 tokens and sequence 0 has 3")
                && e.getMessage().contains("Sequences.padded"), e.getMessage());

        Sequences.PaddedBatch batch = Sequences.padded(List.of(shortOne, longOne), 0);
        assertArrayEquals(new float[] {1, 2, 3, 0, 0, 4, 5, 6, 7, 8}, batch.tokens().toFloatArray());
        assertArrayEquals(new float[] {0, 0, 0, 1, 1, 0, 0, 0, 0, 0}, batch.padding().toFloatArray());
        Tensor table = Tensor.randn(g, 9, 4);
        Tensor x = Sequences.embedding(batch.tokens(), table);
        Tensor y = Sequences.scaledDotProductAttention(x, x, x, batch.padding(), false);
        Tensor alone = Sequences.embedding(Tensor.fromArray(new float[] {1, 2, 3}, 1, 3), table);
        Tensor expected = Sequences.scaledDotProductAttention(alone, alone, alone, false);
        assertArrayEquals(expected.toFloatArray(), y.narrow(0, 0, 1).narrow(1, 0, 3).contiguous().toFloatArray(), 1e-6f);
        assertEquals(4, y.size(2));
    }

    @Test
    void multiHeadAttentionIsItsProjectionsAroundTheFusedOpWithPyTorchsNames() {
        Generator g = new Generator(8);
        dev.backprop.nn.MultiHeadAttention mha = new dev.backprop.nn.MultiHeadAttention(6, 2, true, g);
        assertEquals(List.of("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"),
                List.copyOf(mha.namedParameters().keySet()));
        Tensor x = Tensor.randn(g, 2, 4, 6);
        Tensor padding = Tensor.fromArray(new float[] {0, 0, 0, 1, 0, 0, 0, 0}, 2, 4);
        var p = mha.namedParameters();
        Tensor qkv = x.matmul(p.get("in_proj_weight").transpose(0, 1)).add(p.get("in_proj_bias"));
        Tensor[] heads = new Tensor[3];
        for (int i = 0; i < 3; i++) {
            heads[i] = qkv.narrow(2, 6 * i, 6).reshape(2, 4, 2, 3).transpose(1, 2);
        }
        Tensor y = composed(heads[0], heads[1], heads[2], padding, true).transpose(1, 2).reshape(2, 4, 6);
        Tensor expected = y.matmul(p.get("out_proj.weight").transpose(0, 1)).add(p.get("out_proj.bias"));
        assertArrayEquals(expected.toFloatArray(), mha.forward(x, padding).toFloatArray(), 1e-5f);
        ShapeException e = assertThrows(ShapeException.class, () -> mha.forward(Tensor.zeros(2, 4, 5)));
        assertTrue(e.getMessage().contains("expected [batch, length, 6]"), e.getMessage());
    }
}
