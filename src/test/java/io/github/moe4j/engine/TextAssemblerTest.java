package io.github.moe4j.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stop strings and held-back text. */
class TextAssemblerTest {

    @Test
    void possibleStopPrefixesAreHeldBackUntilDecided() {
        TextAssembler a = new TextAssembler(List.of("END"));
        assertFalse(a.append("abc E"));
        assertEquals("abc ", a.release(false));
        assertFalse(a.append("N"));
        assertEquals("", a.release(false));
        assertTrue(a.append("D and more"));
        assertEquals("", a.release(false));
        assertEquals("abc ", a.text());
        assertEquals("abc ", a.releasedText());
    }

    @Test
    void aFalseAlarmIsReleased() {
        TextAssembler a = new TextAssembler(List.of("END", "STOP"));
        a.append("xx S");
        assertEquals("xx ", a.release(false));
        a.append("Tx");
        assertEquals("STx", a.release(false));
        a.append("E");
        assertEquals("E", a.release(true), "the end releases everything");
    }

    @Test
    void stopInsideOnePieceAndTheEarliestWins() {
        TextAssembler a = new TextAssembler(List.of("b", "a"));
        assertTrue(a.append("xyzab"));
        assertEquals("xyz", a.release(false));
        TextAssembler none = new TextAssembler(List.of());
        assertFalse(none.append("anything"));
        assertEquals("anything", none.release(false));
    }
}
