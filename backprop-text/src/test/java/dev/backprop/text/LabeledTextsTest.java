package dev.backprop.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Users' labelled texts from CSV, JSONL and folders, their split, and the refusals with row, line or file. */
class LabeledTextsTest {

    private static List<String> texts(List<LabeledTexts.LabeledText> all) {
        return all.stream().map(t -> t.label() + ":" + t.text()).toList();
    }

    @Test
    void csvJsonlAndFoldersAreRead(@TempDir Path dir) throws IOException {
        Path csv = dir.resolve("t.csv");
        Files.writeString(csv, "\uFEFFLabel,Text\nspam,\"win, now\"\nham,\"two\nlines\"\n\n");
        assertEquals(List.of("spam:win, now", "ham:two\nlines"), texts(LabeledTexts.read(csv)));
        Path jsonl = dir.resolve("t.jsonl");
        Files.writeString(jsonl, "{\"text\": \"caf\u00e9\", \"label\": 1}\n\n{\"label\": \"0\", \"text\": \"x\"}\n");
        assertEquals(List.of("1:caf\u00e9", "0:x"), texts(LabeledTexts.read(jsonl)));
        Path folder = Files.createDirectories(dir.resolve("by-class"));
        Files.createDirectories(folder.resolve("ham"));
        Files.createDirectories(folder.resolve("spam"));
        Files.writeString(folder.resolve("ham/1.eml"), "From: a@b\nSubject: lunch\n\nat noon\n");
        Files.writeString(folder.resolve("spam/1.txt"), "free prize\n");
        assertEquals(List.of("ham:lunch\nat noon", "spam:free prize\n"), texts(LabeledTexts.read(folder)));
    }

    @Test
    void badInputIsRefusedNamingWhereAndWhat(@TempDir Path dir) throws IOException {
        Path noLabel = dir.resolve("a.csv");
        Files.writeString(noLabel, "text,category\nhello,x\n");
        assertTrue(assertThrows(IOException.class, () -> LabeledTexts.read(noLabel)).getMessage()
                .contains("has no 'label' column"));
        Path empty = dir.resolve("b.csv");
        Files.writeString(empty, "text,label\n\"  \",x\n");
        assertTrue(assertThrows(IOException.class, () -> LabeledTexts.read(empty)).getMessage()
                .contains("b.csv row 2: the text is empty"));
        Path latin = dir.resolve("c.csv");
        Files.write(latin, "text,label\ncaf\u00e9,x\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertTrue(assertThrows(IOException.class, () -> LabeledTexts.read(latin)).getMessage()
                .contains("not UTF-8 text"));
        Path jsonl = dir.resolve("d.jsonl");
        Files.writeString(jsonl, "{\"text\": \"a\"}\n");
        assertTrue(assertThrows(IOException.class, () -> LabeledTexts.read(jsonl)).getMessage()
                .contains("d.jsonl line 1: expected an object with \"text\" and \"label\""));
        assertTrue(assertThrows(IOException.class, () -> LabeledTexts.read(dir.resolve("e.txt"))).getMessage()
                .contains("does not exist"));
    }

    @Test
    void theSplitKeepsEveryClassInTrainingAndTestAndRefusesTinyClasses() {
        List<LabeledTexts.LabeledText> all = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            all.add(new LabeledTexts.LabeledText("a" + i, "alpha", "r" + i));
        }
        for (int i = 0; i < 10; i++) {
            all.add(new LabeledTexts.LabeledText("b" + i, "beta", "s" + i));
        }
        LabeledTexts.Split s = LabeledTexts.split(all, 42);
        assertEquals(List.of("alpha", "beta"), s.classes());
        assertEquals(List.of(40, 5, 5), List.of(s.train().stream().filter(t -> t.label().equals("alpha")).toList().size(),
                s.validation().stream().filter(t -> t.label().equals("alpha")).toList().size(),
                s.test().stream().filter(t -> t.label().equals("alpha")).toList().size()));
        assertTrue(s.test().stream().anyMatch(t -> t.label().equals("beta")));
        all.add(new LabeledTexts.LabeledText("g", "gamma", "only one"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LabeledTexts.split(all, 42)).getMessage()
                .contains("class 'gamma' has 1 text(s), e.g. only one"));
    }
}
