package dev.backprop.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The buffers of one training step's activations and gradients, recycled for the next step.
 *
 * <p>While a {@link Scope} from {@link #open()} is open on a thread, the operations that thread
 * runs take their results' buffers from this memory: from the buffers of the previous step when
 * one of the same length is free, else new ones. Closing the scope returns every buffer taken
 * in it, so a training loop that repeats the same step reuses the same buffers instead of
 * allocating (and the collector reclaiming) a step's worth of arrays each time. Buffers left free
 * through a whole step are dropped, so the memory holds one step's working set. Within a step,
 * backward gives each gradient's buffer back once the rule it feeds has run (a gradient computed by
 * that backward, read by no other pending gradient and fed to a rule of the library's own), so the
 * next gradient of that length writes a buffer still in the cache.
 *
 * <pre>{@code
 * StepMemory memory = new StepMemory();
 * for (Batch batch : batches) {
 *     optimizer.zeroGrad();
 *     try (StepMemory.Scope step = memory.open()) {
 *         Tensor loss = lossFn.apply(model.forward(batch.inputs()), batch.targets());
 *         lossValue = loss.item();          // read what you need while the step is open
 *         loss.backward();                  // parameters' gradients are not step buffers
 *     }
 *     optimizer.step();
 * }
 * }</pre>
 *
 * <p>What stays valid after the scope closes: parameters, their gradients, optimizer state and
 * anything created outside the scope. What does not: every tensor computed inside it and the graph
 * recorded there. Using one afterwards throws an {@link IllegalStateException} that says so
 * (the buffer may already hold the next step's values); values that must outlive the step leave
 * it as {@link Tensor#item()}, {@link Tensor#toFloatArray()} or a copy from {@link #outliving}.
 * {@link dev.backprop.train.Trainer} runs every step in a scope unless its {@code FitConfig} turns
 * buffer reuse off.
 *
 * <p>A run that knows when each value is read for the last time can also give buffers back while
 * its step is open ({@link Scope#giveBack}), so that later results of the same step take them, and
 * let a result outlive the step without a copy ({@link Scope#keep}): {@code OnnxModel} runs an
 * imported graph that way without gradients, and holds one forward pass's live values instead of
 * all of them.
 *
 * <p>A memory is used by one thread at a time; scopes of different memories nest.
 */
public final class StepMemory {
    /** Buffers shorter than this are ordinary allocations: scalars and per-channel statistics. */
    private static final int MIN_POOLED = 256;
    private static final ThreadLocal<StepMemory> OPEN = new ThreadLocal<>();

    private final boolean poisonOnRecycle;
    private final int minPooled;
    private Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    /** The buffers taken in the open step, in order; one given back or kept stays listed but leaves {@link #takenNow}. */
    private final List<float[]> taken = new ArrayList<>();
    /**
     * The buffers the open step holds, each with the newest storage made over it ({@link #NO_STORAGE} before the
     * first; older ones follow {@link Storage#sameBuffer}; a tensor and its views share one).
     */
    private final IdentityHashMap<float[], Storage> takenNow = new IdentityHashMap<>();
    /**
     * The buffers taken since the latest backward pass of the open step began ({@link #beginBackward}): a set, its
     * values all {@code TRUE}, so that recording a take allocates nothing (a position would box an Integer past 127).
     */
    private final IdentityHashMap<float[], Boolean> takenInBackward = new IdentityHashMap<>();
    private static final Storage NO_STORAGE = new Storage(new float[0]);
    /** Buffers given back during the open step ({@link Scope#giveBack}), in order; those still free are kept for the next step. */
    private final List<float[]> givenBack = new ArrayList<>();
    private final IdentityHashMap<float[], Boolean> givenBackNow = new IdentityHashMap<>();
    private Thread owner;
    private StepMemory outer;
    private int generation;
    private long reusedBytes;
    private long allocatedBytes;

    /** An empty memory; buffers are allocated by its first step and reused by the next ones. */
    public StepMemory() {
        this(false, MIN_POOLED);
    }

    /**
     * A memory that takes every result's buffer, however small, and fills each with NaN when its step
     * ends, so that an operation which reads a buffer it did not write (relying on a new array's
     * zeros) shows up as NaN in its results. For tests.
     */
    public static StepMemory poisoning() {
        return new StepMemory(true, 1);
    }

    private StepMemory(boolean poisonOnRecycle, int minPooled) {
        this.poisonOnRecycle = poisonOnRecycle;
        this.minPooled = minPooled;
    }

    /**
     * Starts a step on the calling thread: until the returned scope closes, the results of
     * operations run on this thread take buffers from this memory.
     *
     * @throws IllegalStateException if a scope of this memory is already open
     */
    public Scope open() {
        if (owner != null) {
            throw new IllegalStateException("StepMemory.open: a step of this memory is already open on thread '"
                    + owner.getName() + "'; close it first (one step at a time per memory; use a memory per thread)");
        }
        owner = Thread.currentThread();
        outer = OPEN.get();
        OPEN.set(this);
        return new Scope();
    }

    /**
     * Drops the buffers held for the next step, so that the collector can reclaim them while no step
     * runs (a validation pass, the end of training); the next step allocates its buffers again.
     *
     * @throws IllegalStateException while a step of this memory is open
     */
    public void release() {
        if (owner != null) {
            throw new IllegalStateException("StepMemory.release: a step is open on thread '" + owner.getName()
                    + "'; release between steps");
        }
        free = new HashMap<>();
    }

    /**
     * A copy of {@code t}'s values in a buffer of its own, with no graph: one that outlives the step it
     * is made in (an evaluation's outputs, kept batch after batch).
     */
    public static Tensor outliving(Tensor t) {
        return Creation.ownCopy(t);
    }

    /** Bytes of buffers reused from earlier steps, over this memory's life. */
    public long reusedBytes() {
        return reusedBytes;
    }

    /** Bytes of buffers newly allocated because none of the length was free, over this memory's life. */
    public long allocatedBytes() {
        return allocatedBytes;
    }

    /** Bytes of free buffers held for the next step. */
    public long heldBytes() {
        long bytes = 0;
        for (ArrayDeque<float[]> q : free.values()) {
            for (float[] a : q) {
                bytes += 4L * a.length;
            }
        }
        return bytes;
    }

    /** An open step of a {@link StepMemory}; closing it recycles the step's buffers. */
    public final class Scope implements AutoCloseable {
        private boolean closed;

        private Scope() {
        }

        /**
         * Ends the step: every tensor computed in it becomes unusable and its buffer free for the next
         * step. Must be called on the thread that opened it; closing twice does nothing.
         */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            if (Thread.currentThread() != owner) {
                throw new IllegalStateException("StepMemory: a step opened on thread '" + owner.getName()
                        + "' is being closed on '" + Thread.currentThread().getName() + "'; close it where it was opened");
            }
            if (OPEN.get() != StepMemory.this) {
                throw new IllegalStateException("StepMemory: a step of another memory, opened inside this one, is still open;"
                        + " close the inner step first");
            }
            closed = true;
            recycle();
        }

        /**
         * Gives {@code t}'s buffer back before the step ends, for later results of the same step: the memory
         * of a run that knows when each value is read for the last time (an imported graph's schedule) then
         * holds its live values rather than all of them. Nothing happens, and false is returned, when the
         * buffer was not taken in this step (parameters, inputs, constants, buffers of an outer step) or when
         * one of {@code live}, the values still to be read, shares it (a view). After it, {@code t} and its
         * views refuse to be read, as every step value does once its step has ended.
         *
         * @throws IllegalStateException if the step has ended or this thread did not open it
         */
        public boolean giveBack(Tensor t, Iterable<Tensor> live) {
            checkOpen("giveBack");
            return StepMemory.this.giveBack(t, live);
        }

        /**
         * Lets {@code t}'s buffer outlive the step without a copy (a result the caller returns): the memory
         * forgets it, so the step's end neither recycles it nor offers it to the next step. Nothing happens
         * when the buffer was not taken in this step.
         *
         * @throws IllegalStateException if the step has ended or this thread did not open it
         */
        public void keep(Tensor t) {
            checkOpen("keep");
            float[] a = t.storage.raw();
            if (!t.storage.isRecycled()) {
                takenNow.remove(a);
            }
        }

        private void checkOpen(String what) {
            if (closed || Thread.currentThread() != owner) {
                throw new IllegalStateException("StepMemory." + what + ": the step " + (closed ? "has ended"
                        : "was opened on thread '" + owner.getName() + "', not this one"));
            }
        }
    }

    /** {@link Scope#giveBack}'s work, for a step known to be open on this thread. */
    private boolean giveBack(Tensor t, Iterable<Tensor> live) {
        float[] a = t.storage.raw();
        if (t.storage.isRecycled() || !takenNow.containsKey(a)) {
            return false;
        }
        for (Tensor l : live) {
            if (l.storage.raw() == a) {
                return false;
            }
        }
        recycleAll(takenNow.remove(a));
        t.storage.recycle();
        if (poisonOnRecycle) {
            Arrays.fill(a, Float.NaN);
        }
        free.computeIfAbsent(a.length, n -> new ArrayDeque<>()).push(a);
        givenBack.add(a);
        givenBackNow.put(a, Boolean.TRUE);
        return true;
    }

    /**
     * A backward pass begins: from here on, the buffers taken in the open step are that pass's own (the gradients
     * its rules compute). Returns whether a step is open on this thread, so that the pass gives gradients back
     * ({@link #giveBackGradient}). A pass run inside another's rule begins again: the outer pass then counts as its own
     * only what was taken since, fewer than it could, never a buffer from before it began.
     */
    static boolean beginBackward() {
        StepMemory m = OPEN.get();
        if (m == null) {
            return false;
        }
        m.takenInBackward.clear();
        return true;
    }

    /**
     * Gives back gradient {@code t} once backward has run the rule it feeds, so the next gradient of its length
     * takes the buffer while it is still in the cache (as {@link Scope#giveBack} does, and on its conditions),
     * if its buffer was taken since the backward pass began ({@link #beginBackward}): a gradient that is a forward
     * value, a view of one, or the caller's seed gradient, taken before, stays.
     */
    static boolean giveBackGradient(Tensor t, Iterable<Tensor> live) {
        StepMemory m = OPEN.get();
        return m != null && m.takenInBackward.containsKey(t.storage.raw()) && m.giveBack(t, live);
    }

    private void recycle() {
        Map<Integer, ArrayDeque<float[]>> next = new HashMap<>();
        for (float[] a : taken) {
            Storage over = takenNow.remove(a);   // null: given back or kept (or listed again when taken again)
            if (over == null) {
                continue;
            }
            recycleAll(over);
            if (poisonOnRecycle) {
                Arrays.fill(a, Float.NaN);
            }
            next.computeIfAbsent(a.length, n -> new ArrayDeque<>()).push(a);
        }
        for (float[] a : givenBack) {
            if (givenBackNow.remove(a) != null) {
                next.computeIfAbsent(a.length, n -> new ArrayDeque<>()).push(a);
            }
        }
        free = next;   // what stayed free through the whole step is dropped
        taken.clear();
        takenNow.clear();
        takenInBackward.clear();
        givenBack.clear();
        givenBackNow.clear();
        generation++;
        OPEN.set(outer);
        outer = null;
        owner = null;
    }

    // ---------------------------------------------------------------- for the operations

    /** The memory whose step is open on this thread, or null. */
    static StepMemory current() {
        return OPEN.get();
    }

    /** A counter that changes when a step ends: a graph recorded at one value is dead at another. */
    int generation() {
        return generation;
    }

    /**
     * A buffer of {@code n} floats for an operation's result whose every element the operation
     * writes: a recycled buffer keeps the previous step's values until then.
     */
    static float[] uninitialized(int n) {
        StepMemory m = OPEN.get();
        return m == null || n < m.minPooled ? new float[n] : m.take(n, false);
    }

    /**
     * A buffer for {@code n} results of a product, each a sum of {@code terms} products, which the GEMM
     * overwrites: zeros when there are no terms (an empty inner dimension, where a kernel writes nothing).
     */
    static float[] forProduct(int n, int terms) {
        return terms == 0 ? zeroed(n) : uninitialized(n);
    }

    /**
     * A buffer from outside the step that an operation overwrites ({@link Tensor#gradientBuffer()}: a weight's released
     * gradient), NaN-filled first when this memory poisons its recycled buffers, so a test finds an element left
     * unwritten there too.
     */
    static float[] lent(float[] a) {
        StepMemory m = OPEN.get();
        if (m != null && m.poisonOnRecycle) {
            Arrays.fill(a, Float.NaN);
        }
        return a;
    }

    /** A buffer of {@code n} zeros for an operation's result (one that accumulates into it). */
    static float[] zeroed(int n) {
        StepMemory m = OPEN.get();
        return m == null || n < m.minPooled ? new float[n] : m.take(n, true);
    }

    private float[] take(int n, boolean zero) {
        ArrayDeque<float[]> q = free.get(n);
        float[] a = q == null ? null : q.poll();
        if (a == null) {
            a = new float[n];
            allocatedBytes += 4L * n;
        } else {
            reusedBytes += 4L * n;
            if (zero) {
                Arrays.fill(a, 0f);
            }
        }
        givenBackNow.remove(a);
        takenInBackward.put(a, Boolean.TRUE);
        taken.add(a);
        takenNow.put(a, NO_STORAGE);
        return a;
    }

    /** Marks {@code newest} and the storages before it over the same buffer as recycled, unlinking them. */
    private static void recycleAll(Storage newest) {
        Storage st = newest;
        while (st != null && st != NO_STORAGE) {
            st.recycle();
            Storage older = st.sameBuffer;
            st.sameBuffer = null;
            st = older;
        }
    }

    /** Called for every new storage: one over a buffer of an open step ends with the step. */
    static void adopt(Storage storage, float[] data) {
        StepMemory m = OPEN.get();
        Storage newest = m == null || data.length < m.minPooled ? null : m.takenNow.get(data);
        if (newest != null) {
            storage.sameBuffer = newest == NO_STORAGE ? null : newest;
            m.takenNow.put(data, storage);
        }
    }
}
