package dev.medadapt.rag.index;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.rag.index.internal.MemoizingTermFilter;
import java.util.function.UnaryOperator;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;

/**
 * English analysis for the BM25 fields, recorded in the index metadata so queries are analyzed the
 * same way the documents were.
 *
 * <p>The chain is Lucene's {@code EnglishAnalyzer} (StandardTokenizer, possessive removal,
 * lower-casing, English stop words, Porter stemming), which is also Anserini's default English
 * analysis for its BM25 baselines; stemming and stop words can be switched off.
 *
 * @param stemmer {@code porter} (default), {@code kstem} or {@code none}
 * @param stopwords whether Lucene's English stop-word set ({@code EnglishAnalyzer.ENGLISH_STOP_WORDS_SET}) is removed
 */
public record AnalyzerSettings(String stemmer, boolean stopwords) {

  public AnalyzerSettings {
    if (!stemmer.equals("porter") && !stemmer.equals("kstem") && !stemmer.equals("none")) {
      throw new ConfigurationException("stemmer must be one of porter, kstem, none, was \"" + stemmer + "\"");
    }
  }

  /** Porter stemming with stop words, like Lucene's EnglishAnalyzer and Anserini's default. */
  public static AnalyzerSettings english() {
    return new AnalyzerSettings("porter", true);
  }

  /**
   * A new Lucene analyzer for these settings. The per-token filters run once per distinct word and
   * are replayed from a memo after that ({@code MemoizingTermFilter}); the terms and positions are
   * those of the plain filter chain ({@link #plainAnalyzer()}).
   */
  public Analyzer analyzer() {
    return build(true);
  }

  /** The same analysis without the memo: every filter runs on every token (the reference for tests). */
  public Analyzer plainAnalyzer() {
    return build(false);
  }

  private Analyzer build(boolean memoize) {
    String stem = stemmer;
    boolean stop = stopwords;
    UnaryOperator<TokenStream> filters =
        in -> {
          TokenStream ts = new EnglishPossessiveFilter(in);
          ts = new LowerCaseFilter(ts);
          if (stop) {
            ts = new StopFilter(ts, EnglishAnalyzer.ENGLISH_STOP_WORDS_SET);
          }
          if (stem.equals("porter")) {
            ts = new PorterStemFilter(ts);
          } else if (stem.equals("kstem")) {
            ts = new KStemFilter(ts);
          }
          return ts;
        };
    return new Analyzer() {
      @Override
      protected TokenStreamComponents createComponents(String fieldName) {
        StandardTokenizer source = new StandardTokenizer();
        return new TokenStreamComponents(source, memoize ? new MemoizingTermFilter(source, filters) : filters.apply(source));
      }

      @Override
      protected TokenStream normalize(String fieldName, TokenStream in) {
        return new LowerCaseFilter(in);
      }
    };
  }
}
