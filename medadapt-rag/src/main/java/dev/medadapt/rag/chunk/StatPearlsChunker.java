package dev.medadapt.rag.chunk;

import dev.medadapt.core.DataFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * Chunks one StatPearls book-part ({@code .nxml}, NLM/JATS XML) with MedRAG's rules
 * (src/data/statpearls.py in github.com/Teddy-XiongGZ/MedRAG):
 *
 * <ul>
 *   <li>every {@code <sec>} (at any depth, document order) contributes its direct {@code <p>} and
 *       {@code <list>} children; the chunk title is {@code bookTitle -- sectionTitle}, or
 *       {@code bookTitle -- sectionTitle -- subtitle} after a subtitle paragraph (a {@code <p>}
 *       holding only one {@code <bold>});
 *   <li>a paragraph becomes a chunk; one under 200 characters is appended (with a space) to the
 *       previous chunk of the same section while the two together stay under 1000 characters;
 *   <li>a list is appended to the previous chunk if the result stays under 1000 characters, else
 *       becomes one chunk if under 1000, else one chunk per item;
 *   <li>ids are {@code <file name without .nxml>_<n>}, n counting chunks of the file from 0.
 * </ul>
 *
 * <p>Text extraction joins an element's text, its children's text and their tails with single
 * spaces, exactly like MedRAG's {@code extract_text}. The XML parser is the JDK's with DTDs and
 * external entities disabled (StatPearls files declare a DOCTYPE that is never fetched).
 */
public final class StatPearlsChunker {

  /** MedRAG's thresholds (statpearls.py). */
  static final int SHORT_PARAGRAPH = 200;

  static final int MAX_MERGED = 1000;

  private static final String SEP = " -- ";

  /** The chunks of one {@code .nxml} file. */
  public List<Chunk> chunk(Path nxml) {
    Document doc = parse(nxml);
    String fname = nxml.getFileName().toString().replace(".nxml", "");
    Element root = doc.getDocumentElement();
    List<Element> titles = descendants(root, "title");
    if (titles.isEmpty()) {
      throw new DataFormatException(nxml + ": no <title> element (expected a StatPearls book-part)");
    }
    String title = ownText(titles.get(0));
    List<Chunk> saved = new ArrayList<>();
    int j = 0;
    for (Element sec : descendants(root, "sec")) {
      Element secTitleEl = firstChild(sec, "title");
      if (secTitleEl == null) {
        throw new DataFormatException(nxml + ": <sec> without a <title> child");
      }
      String secTitle = ownText(secTitleEl).strip();
      String prefix = title + SEP + secTitle;
      String lastText = null;
      Chunk last = null;
      Element lastNode = null;
      for (Element ch : children(sec)) {
        String tag = ch.getNodeName();
        if (isSubtitle(ch)) {
          lastText = null;
          last = null;
          String subTitle = extractText(ch);
          String[] parts = prefix.split(SEP, -1);
          prefix = parts[0] + SEP + (parts.length > 1 ? parts[1] + SEP : "") + subTitle;
        } else if (tag.equals("p")) {
          String curr = extractText(ch);
          if (len(curr) < SHORT_PARAGRAPH && lastText != null && len(lastText) + len(curr) < MAX_MERGED) {
            lastText = last.content() + " " + curr;
            last = new Chunk(last.id(), last.title(), lastText);
            saved.set(saved.size() - 1, last);
          } else {
            lastText = curr;
            last = new Chunk(fname + "_" + j, prefix, curr);
            saved.add(last);
            j++;
          }
        } else if (tag.equals("list")) {
          List<String> items = new ArrayList<>();
          for (Element c : children(ch)) {
            items.add(extractText(c));
          }
          String joined = String.join(" ", items);
          if (lastText != null && len(joined) + len(lastText) < MAX_MERGED) {
            lastText = last.content() + " " + joined;
            last = new Chunk(last.id(), last.title(), lastText);
            saved.set(saved.size() - 1, last);
          } else if (len(joined) < MAX_MERGED) {
            lastText = joined;
            last = new Chunk(fname + "_" + j, prefix, joined);
            saved.add(last);
            j++;
          } else {
            lastText = null;
            last = null;
            for (String item : items) {
              saved.add(new Chunk(fname + "_" + j, prefix, item));
              j++;
            }
          }
          if (lastNode != null && isSubtitle(lastNode)) {
            prefix = title + SEP + secTitle;
          }
        }
        lastNode = ch;
      }
    }
    return saved;
  }

  /** MedRAG's {@code is_subtitle}: a {@code <p>} whose only child element is a {@code <bold>} with no tail text. */
  static boolean isSubtitle(Element e) {
    if (!e.getNodeName().equals("p")) {
      return false;
    }
    List<Element> kids = children(e);
    if (kids.size() != 1 || !kids.get(0).getNodeName().equals("bold")) {
      return false;
    }
    return tail(kids.get(0)).strip().isEmpty();
  }

  /** MedRAG's {@code extract_text}. */
  static String extractText(Element e) {
    StringBuilder text = new StringBuilder(leadingText(e).strip());
    for (Element child : children(e)) {
      text.append(text.length() > 0 ? " " : "").append(extractText(child));
      String tail = tail(child).strip();
      if (!tail.isEmpty()) {
        text.append(text.length() > 0 ? " " : "").append(tail);
      }
    }
    return text.toString().strip();
  }

  /** ElementTree's {@code element.text}: character data before the first child element. */
  private static String leadingText(Element e) {
    StringBuilder sb = new StringBuilder();
    for (Node n = e.getFirstChild(); n != null && n.getNodeType() != Node.ELEMENT_NODE; n = n.getNextSibling()) {
      appendChars(n, sb);
    }
    return sb.toString();
  }

  /** ElementTree's {@code element.tail}: character data after the element, up to the next sibling element. */
  private static String tail(Element e) {
    StringBuilder sb = new StringBuilder();
    for (Node n = e.getNextSibling(); n != null && n.getNodeType() != Node.ELEMENT_NODE; n = n.getNextSibling()) {
      appendChars(n, sb);
    }
    return sb.toString();
  }

  private static void appendChars(Node n, StringBuilder sb) {
    short t = n.getNodeType();
    if (t == Node.TEXT_NODE || t == Node.CDATA_SECTION_NODE) {
      sb.append(n.getNodeValue());
    } else if (t == Node.ENTITY_REFERENCE_NODE) {
      sb.append(n.getTextContent() == null ? "" : n.getTextContent());
    }
  }

  /** ElementTree's {@code .text} of a title, without descending into children (None becomes ""). */
  private static String ownText(Element e) {
    return leadingText(e);
  }

  private static List<Element> children(Element e) {
    List<Element> out = new ArrayList<>();
    for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n.getNodeType() == Node.ELEMENT_NODE) {
        out.add((Element) n);
      }
    }
    return out;
  }

  private static Element firstChild(Element e, String tag) {
    for (Element c : children(e)) {
      if (c.getNodeName().equals(tag)) {
        return c;
      }
    }
    return null;
  }

  /** Descendants (not the element itself) with the given tag, in document order, like ET's {@code .//tag}. */
  private static List<Element> descendants(Element root, String tag) {
    List<Element> out = new ArrayList<>();
    collect(root, tag, out);
    return out;
  }

  private static void collect(Element e, String tag, List<Element> out) {
    for (Element c : children(e)) {
      if (c.getNodeName().equals(tag)) {
        out.add(c);
      }
      collect(c, tag, out);
    }
  }

  private static int len(String s) {
    return s.codePointCount(0, s.length());
  }

  private static Document parse(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return newBuilder().parse(in, file.toUri().toString());
    } catch (SAXException e) {
      String where = e instanceof org.xml.sax.SAXParseException pe ? ":" + pe.getLineNumber() : "";
      throw new DataFormatException(file + where + ": malformed XML: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new DataFormatException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static DocumentBuilder newBuilder() {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setNamespaceAware(false);
      f.setValidating(false);
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      // OWASP XXE prevention for JAXP/Xerces: keep the DOCTYPE (StatPearls files have one) but never
      // load the external DTD nor resolve external entities.
      f.setFeature("http://xml.org/sax/features/external-general-entities", false);
      f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
      DocumentBuilder b = f.newDocumentBuilder();
      b.setEntityResolver((publicId, systemId) -> new org.xml.sax.InputSource(new java.io.StringReader("")));
      b.setErrorHandler(
          new org.xml.sax.ErrorHandler() {
            @Override
            public void warning(org.xml.sax.SAXParseException e) {}

            @Override
            public void error(org.xml.sax.SAXParseException e) throws SAXException {
              throw e;
            }

            @Override
            public void fatalError(org.xml.sax.SAXParseException e) throws SAXException {
              throw e;
            }
          });
      return b;
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK XML parser lacks a standard feature", e);
    }
  }
}
