package dev.medadapt.eval.bench.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.medadapt.core.DataFormatException;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvReaderTest {

  private static List<CsvReader.Record> read(String s) throws IOException {
    return new CsvReader(new StringReader(s), "t.csv").readAll();
  }

  @Test
  void quotedCommasNewlinesAndEscapedQuotes() throws IOException {
    List<CsvReader.Record> r = read("a,\"b,1\",\"line1\nline2\",\"say \"\"hi\"\"\"\nx,y,z,w\n");
    assertThat(r).hasSize(2);
    assertThat(r.get(0).fields()).containsExactly("a", "b,1", "line1\nline2", "say \"hi\"");
    assertThat(r.get(1).fields()).containsExactly("x", "y", "z", "w");
    assertThat(r.get(1).line()).isEqualTo(3);
  }

  @Test
  void crlfWithoutFinalNewlineAndCrInsideQuotes() throws IOException {
    List<CsvReader.Record> r = read("a,b\r\n\"c\r\nd\",e\r\nf,g");
    assertThat(r).extracting(CsvReader.Record::fields)
        .containsExactly(List.of("a", "b"), List.of("c\r\nd", "e"), List.of("f", "g"));
    assertThat(r).extracting(CsvReader.Record::line).containsExactly(1, 2, 4);
  }

  @Test
  void leadingBomDroppedInnerBomKeptEmptyFieldsKept() throws IOException {
    List<CsvReader.Record> r = read("\uFEFFa,\uFEFFb,,\"\"\n");
    assertThat(r.get(0).fields()).containsExactly("a", "\uFEFFb", "", "");
  }

  @Test
  void quoteInUnquotedFieldIsDataLikePythonCsv() throws IOException {
    assertThat(read("Truth?\",x\n").get(0).fields()).containsExactly("Truth?\"", "x");
  }

  @Test
  void malformedQuotingNamesTheLine() {
    assertThatThrownBy(() -> read("ok,1\n\"open,2\n"))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("t.csv:2")
        .hasMessageContaining("not closed");
    assertThatThrownBy(() -> read("ok,1\n\"a\"b,2\n"))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("t.csv:2")
        .hasMessageContaining("after a closing quote");
  }
}
