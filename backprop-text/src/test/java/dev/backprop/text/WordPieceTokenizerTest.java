package dev.backprop.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer against HuggingFace's own (the Rust tokenizers library through DJL) on all-MiniLM-L6-v2's
 * {@code tokenizer.json}: the same ids, segments and tokens for 1,200 strings (accents, CJK, emoji,
 * punctuation runs, control characters, very long words, special tokens written in the text, empty
 * text, and random mixtures of many scripts), single and paired, with truncation.
 */
class WordPieceTokenizerTest {

    static List<String> strings() {
        List<String> out = new ArrayList<>(List.of("", " ", "\t\n\r", "I love sentence transformers.",
                "Hello, World!", "Café naïve résumé Ångström façade", "ΣΊΣΥΦΟΣ σοφός ς", "İstanbul ıi",
                "我爱北京天安门", "日本語のテキストと한국어", "I ❤️ 🍕 and 👨‍👩‍👧 emoji!!", "...?!?!--—––‘’“”«»",
                "tab\there\u0000nul\u0007bell\u200bzero\u200dwidth\u00a0nbsp\u2003em", "\ufeffbom and \ufffd replacement",
                "a".repeat(99), "b".repeat(100), "c".repeat(101), "supercalifragilisticexpialidocious"
                        + "antidisestablishmentarianism", "[MASK] is a [SEP] token [CLS][PAD][UNK]", "[mask] lower",
                "numbers 3.14159 1,000,000 2026-12-02 0x1F", "https://example.com/a?b=c&d=e user@mail.org",
                "Ünïcödé ﬁ ligature Ⅻ ½ ²", "مرحبا بالعالم", "नमस्ते दुनिया", "สวัสดีชาวโลก", "Привет, мир!",
                "Zalgo t̸̢e̵x̶t", "\u0301leading combining", "x\u0300\u0301\u0302y", "$100 + 50% = <tag> ^_^ `code` | ~",
                "don't won't it's", "U.S.A. e.g. i.e.", "  many   spaces   ", "ALL CAPS SHOUTING", "\ud83d\ude00 grin",
                "line1\nline2\r\nline3", "\u3000ideographic space\u3000", "\u2028line sep\u2029para sep",
                "𠀀𪜀 rare ideographs", "ｆｕｌｌｗｉｄｔｈ ＡＢＣ"));
        SplittableRandom r = new SplittableRandom(2026);
        int[][] ranges = {{0x20, 0x7E}, {0xA0, 0x24F}, {0x370, 0x3FF}, {0x400, 0x4FF}, {0x600, 0x6FF}, {0x900, 0x97F},
            {0x3040, 0x30FF}, {0x4E00, 0x4E80}, {0xAC00, 0xAC80}, {0x1F300, 0x1F64F}, {0x2000, 0x206F}, {0x0, 0x1F},
            {0x300, 0x36F}, {0xFF00, 0xFFEF}};
        while (out.size() < 1_200) {
            StringBuilder b = new StringBuilder();
            int length = r.nextInt(0, 60);
            for (int i = 0; i < length; i++) {
                int[] range = ranges[r.nextInt(ranges.length)];
                if (r.nextInt(4) == 0) {
                    b.append(' ');
                }
                b.appendCodePoint(r.nextInt(range[0], range[1] + 1));
            }
            if (r.nextInt(10) == 0) {
                b.append(" [SEP] ");
            }
            out.add(b.toString());
        }
        return out;
    }

    private static HuggingFaceTokenizer oracle(int maxLength) throws IOException {
        return HuggingFaceTokenizer.builder().optTokenizerPath(MiniLmFiles.tokenizer()).optPadding(false)
                .optTruncation(true).optMaxLength(maxLength).build();
    }

    @Test
    void equalsHuggingFacesTokenizerOnVariedText() throws IOException {
        WordPieceTokenizer ours = WordPieceTokenizer.read(MiniLmFiles.tokenizer());
        try (HuggingFaceTokenizer hf = oracle(64)) {
            List<String> texts = strings();
            for (String text : texts) {
                var expected = hf.encode(text);
                Encoding actual = ours.encode(text, 64);
                String what = "'" + text.replace("\n", "\\n") + "'";
                assertArrayEquals(toInts(expected.getIds()), actual.ids(), what + ": ids");
                assertArrayEquals(toInts(expected.getTypeIds()), actual.typeIds(), what + ": type ids");
                assertEquals(List.of(expected.getTokens()), actual.tokens(), what + ": tokens");
            }
            for (int i = 0; i + 1 < 300; i += 2) {
                var expected = hf.encode(texts.get(i), texts.get(i + 1));
                Encoding actual = ours.encodePair(texts.get(i), texts.get(i + 1), 64);
                assertArrayEquals(toInts(expected.getIds()), actual.ids(), "pair " + i + ": ids");
                assertArrayEquals(toInts(expected.getTypeIds()), actual.typeIds(), "pair " + i + ": type ids");
            }
        }
    }

    @Test
    void everyCharacterIsClassifiedAsHuggingFaceDoes() throws IOException {
        WordPieceTokenizer ours = WordPieceTokenizer.read(MiniLmFiles.tokenizer());
        List<String> differences = new ArrayList<>();
        try (HuggingFaceTokenizer hf = oracle(16)) {
            for (int c = 0; c <= 0xE01EF; c++) {
                if (c == 0x40000) {
                    c = 0xE0000;   // planes 4 to 13 hold no characters
                }
                if (c >= 0xD800 && c <= 0xDFFF) {
                    continue;
                }
                String text = "a" + Character.toString(c) + "b";
                if (!List.of(hf.encode(text).getTokens()).equals(ours.encode(text, 16).tokens())) {
                    differences.add(Integer.toHexString(c));
                }
            }
        }
        assertEquals(List.of(), differences, "code points tokenized differently between 'a' and 'b'");
    }

    @Test
    void theSentenceTransformersExampleHasTheKnownIds() throws IOException {
        WordPieceTokenizer t = WordPieceTokenizer.read(MiniLmFiles.tokenizer());
        assertArrayEquals(new int[] {101, 1045, 2293, 6251, 19081, 1012, 102},
                t.encode("I love sentence transformers.", 256).ids());
        assertEquals(List.of("[CLS]", "[SEP]"), t.encode("", 8).tokens());
        assertEquals(8, t.encode("one two three four five six seven eight nine", 8).length(), "truncated to 8");
        assertEquals(128, t.fileMaxLength());
        assertEquals(30_522, t.vocabularySize());
    }

    @Test
    void aFileThatIsNotAWordPieceTokenizerIsRefused(@TempDir Path dir) throws IOException {
        Path bpe = dir.resolve("bpe.json");
        Files.writeString(bpe, "{\"model\": {\"type\": \"BPE\", \"vocab\": {}}}");
        IOException e = assertThrows(IOException.class, () -> WordPieceTokenizer.read(bpe));
        assertTrue(e.getMessage().contains("not a WordPiece tokenizer"), e.getMessage());
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"model\": ");
        assertTrue(assertThrows(IOException.class, () -> WordPieceTokenizer.read(broken)).getMessage()
                .contains("not a valid tokenizer.json"));
    }

    private static int[] toInts(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) v[i];
        }
        return out;
    }
}
