#![allow(clippy::unwrap_used)]

use std::io::Write;

use super::*;

const SHOP: &str = r#"<!doctype html>
<html lang="ru">
<head>
  <meta charset="utf-8">
  <title>  Чайная лавка — Доставка  </title>
  <meta property="og:title" content="Не этот заголовок">
  <base href="https://shop.example.ru/catalog/">
  <style>.menu { color: red } body::before { content: "STYLE-TEXT" }</style>
  <script>var tracking = "SCRIPT-TEXT";</script>
</head>
<body>
  <header class="site-header">
    <a href="/">Логотип HEADER-TEXT</a>
    <nav><ul><li><a href="/about">О нас NAV-TEXT</a></li><li><a href="tea/green#top">Зелёный чай</a></li></ul></nav>
  </header>
  <div id="cookie-banner">Мы используем cookies COOKIE-TEXT <button>Принять</button></div>
  <main>
    <nav aria-label="breadcrumbs"><a href="/">Главная</a> / BREADCRUMB-TEXT</nav>
    <h1>Доставка и оплата</h1>
    <script>var inMain = "SCRIPT-IN-MAIN";</script>
    <p>Мы доставляем <strong>чай</strong> по всей России.
       Подробнее в <a href="/delivery/terms#moscow">условиях доставки</a>.</p>
    <p style="display: none">HIDDEN-TEXT</p>
    <div hidden>HIDDEN-ATTR-TEXT</div>
    <h2>Способы доставки</h2>
    <ul>
      <li>Курьер по Москве — 300 ₽</li>
      <li>Почта России</li>
    </ul>
    <table>
      <thead><tr><th>Вес</th><th>Цена</th></tr></thead>
      <tbody><tr><td>до 1 кг</td><td>300 ₽</td></tr><tr><td>до 5 кг</td><td>500 | 600 ₽</td></tr></tbody>
    </table>
    <p><a href="javascript:alert(1)">Позвонить нам</a> или <a href="https://other.example.com/x?y=1">партнёр</a>.</p>
    <a href="/tea/puer" class="card"><img src="puer.jpg" alt=""><h3>Пуэр</h3><p>от 900 ₽</p></a>
    <form><input name="q" value="FORM-TEXT"><button>Найти FORM-BUTTON</button></form>
    <a href="/delivery/terms">ещё раз</a>
  </main>
  <aside>ASIDE-TEXT</aside>
  <footer>© 2026 FOOTER-TEXT <a href="mailto:hi@shop.example.ru">почта</a></footer>
  <script>document.write("SCRIPT2-TEXT")</script>
</body>
</html>"#;

fn url(s: &str) -> url::Url {
    url::Url::parse(s).unwrap()
}

#[test]
fn knowledge_page_keeps_main_text_without_chrome() {
    let page = page(SHOP, &url("https://shop.example.ru/delivery"));
    let md = &page.markdown;
    for chrome in [
        "STYLE-TEXT",
        "SCRIPT-TEXT",
        "SCRIPT2-TEXT",
        "HEADER-TEXT",
        "NAV-TEXT",
        "COOKIE-TEXT",
        "HIDDEN-TEXT",
        "HIDDEN-ATTR-TEXT",
        "FORM-TEXT",
        "FORM-BUTTON",
        "ASIDE-TEXT",
        "FOOTER-TEXT",
        "javascript:",
        "BREADCRUMB-TEXT",
        "SCRIPT-IN-MAIN",
    ] {
        assert!(!md.contains(chrome), "{chrome} leaked into:\n{md}");
    }
    assert!(md.starts_with("# Доставка и оплата\n\n"), "{md}");
    assert!(md.contains("Мы доставляем чай по всей России. Подробнее в [условиях доставки](https://shop.example.ru/delivery/terms#moscow)."), "{md}");
    assert!(
        md.contains("## Способы доставки\n\n- Курьер по Москве — 300 ₽\n- Почта России"),
        "{md}"
    );
    assert!(
        md.contains(
            "| Вес | Цена |\n| --- | --- |\n| до 1 кг | 300 ₽ |\n| до 5 кг | 500 \\| 600 ₽ |"
        ),
        "{md}"
    );
    assert!(
        md.contains("Позвонить нам или [партнёр](https://other.example.com/x?y=1)."),
        "{md}"
    );
}

#[test]
fn knowledge_page_title_and_links() {
    let page = page(SHOP, &url("https://shop.example.ru/delivery"));
    assert_eq!(page.title.as_deref(), Some("Чайная лавка — Доставка"));
    let links: Vec<&str> = page.links.iter().map(url::Url::as_str).collect();
    assert_eq!(
        links,
        [
            "https://shop.example.ru/",
            "https://shop.example.ru/about",
            // Relative to <base href>, fragment removed.
            "https://shop.example.ru/catalog/tea/green",
            // Twice on the page (with and without a fragment), listed once.
            "https://shop.example.ru/delivery/terms",
            "https://other.example.com/x?y=1",
            "https://shop.example.ru/tea/puer",
        ]
    );
}

#[test]
fn knowledge_page_title_falls_back_to_og_title_then_h1() {
    let og = r#"<html><head><meta property="og:title" content="Из OG"></head><body><h1>H1</h1></body></html>"#;
    assert_eq!(
        page(og, &url("https://a.example/")).title.as_deref(),
        Some("Из OG")
    );
    let h1 = "<html><body><div><h1> Первый   заголовок </h1><p>Текст</p></div></body></html>";
    let page = page(h1, &url("https://a.example/"));
    assert_eq!(page.title.as_deref(), Some("Первый заголовок"));
    assert_eq!(page.markdown, "# Первый заголовок\n\nТекст");
}

#[test]
fn knowledge_page_without_main_drops_body_chrome() {
    let html = r#"<body><header>HEAD</header><nav>NAV</nav>
        <div class="cookie-consent">Мы используем cookies</div>
        <div role="dialog">Подпишитесь на рассылку</div>
        <div style="visibility: hidden">СКРЫТО</div><span aria-hidden="true">★</span>
        <div>Первый<br>второй</div><ol><li>раз</li><li>два<ul><li>вложенный</li></ul></li></ol>
        <aside>Сбоку</aside><div role="contentinfo">Контакты</div><footer>FOOT</footer></body>"#;
    let page = page(html, &url("https://a.example/"));
    assert_eq!(
        page.markdown,
        "Первый\nвторой\n\n1. раз\n2. два\n\n   - вложенный"
    );
}

#[test]
fn knowledge_page_of_nothing_is_empty() {
    for (html, markdown) in [
        ("", ""),
        (
            "<html><body><script>x</script><a href=\"javascript:void(0)\">?</a></body></html>",
            "?",
        ),
        ("plain words <<<>>>", "plain words <<<>>>"),
    ] {
        let page = page(html, &url("https://a.example/"));
        assert_eq!(page.title, None);
        assert_eq!(page.links, []);
        assert_eq!(page.markdown, markdown);
    }
}

#[test]
fn knowledge_txt_utf8_and_windows_1251() {
    let text = "Привет, мир!\r\nДоставка по России.\r\n\r\n\r\nКонец.";
    let (cp1251, _, lossy) = encoding_rs::WINDOWS_1251.encode(text);
    assert!(!lossy);
    assert!(std::str::from_utf8(&cp1251).is_err());
    let expected = "Привет, мир!\nДоставка по России.\n\nКонец.";
    let extracted = file("notes.TXT", &cp1251).unwrap();
    assert_eq!(extracted.markdown, expected);
    assert_eq!(extracted.format, Format::Text);
    assert_eq!(
        file("notes.md", text.as_bytes()).unwrap().markdown,
        expected
    );
}

#[test]
fn knowledge_csv_is_a_markdown_table() {
    let csv = "Товар;Цена;Описание\nЧай \"Зелёный\";300;\"Крупный лист; пачка\"\nКофе;500\n";
    let extracted = file("prices.csv", csv.as_bytes()).unwrap();
    assert_eq!(
        extracted.markdown,
        "| Товар | Цена | Описание |\n| --- | --- | --- |\n| Чай \"Зелёный\" | 300 | Крупный лист; пачка |\n| Кофе | 500 |  |"
    );
}

#[test]
fn knowledge_html_upload_goes_through_page() {
    let extracted = file("delivery.html", SHOP.as_bytes()).unwrap();
    assert_eq!(extracted.format, Format::Html);
    assert_eq!(extracted.title.as_deref(), Some("Чайная лавка — Доставка"));
    assert!(extracted.markdown.starts_with("# Доставка и оплата"));
    assert!(!extracted.markdown.contains("FOOTER-TEXT"));
}

/// A DOCX holding `document` as its `word/document.xml`, plus any `extra`
/// entries.
fn docx(document: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(b"<?xml version=\"1.0\"?><Types/>").unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(document).unwrap();
    zip.finish().unwrap().into_inner()
}

const DOCUMENT_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body>
  <w:p><w:pPr><w:pStyle w:val="1"/></w:pPr><w:r><w:t>Условия доставки</w:t></w:r></w:p>
  <w:p><w:r><w:t xml:space="preserve">Доставляем </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>быстро</w:t></w:r><w:r><w:t xml:space="preserve"> &amp; недорого.</w:t></w:r></w:p>
  <w:p><w:pPr><w:pStyle w:val="Heading2"/></w:pPr><w:r><w:t>Цены</w:t></w:r></w:p>
  <w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>Москва</w:t></w:r></w:p>
  <w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>Регионы</w:t></w:r></w:p>
  <w:p><w:r><w:delText>удалённый текст</w:delText></w:r></w:p>
  <w:p><w:r><w:t xml:space="preserve">Перед рамкой </w:t></w:r><w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">
    <mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>В рамке</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>
    <mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>В рамке</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback>
  </mc:AlternateContent></w:r></w:p>
  <w:tbl>
    <w:tr><w:tc><w:p><w:r><w:t>Город</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Цена</w:t></w:r></w:p></w:tc></w:tr>
    <w:tr><w:tc><w:p><w:r><w:t>Москва</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>300 ₽</w:t></w:r></w:p></w:tc></w:tr>
  </w:tbl>
  <w:sectPr/>
</w:body>
</w:document>"#;

#[test]
fn knowledge_docx_paragraphs_headings_lists_tables() {
    let extracted = file("terms.docx", &docx(DOCUMENT_XML.as_bytes())).unwrap();
    assert_eq!(extracted.format, Format::Docx);
    assert_eq!(
        extracted.markdown,
        "# Условия доставки\n\nДоставляем быстро & недорого.\n\n## Цены\n\n- Москва\n- Регионы\n\nПеред рамкой\n\nВ рамке\n\n| Город | Цена |\n| --- | --- |\n| Москва | 300 ₽ |"
    );
}

#[test]
fn knowledge_docx_over_the_decompressed_cap_is_refused() {
    // A few kilobytes that inflate past the cap.
    let mut bomb = Vec::with_capacity(MAX_DOCX_XML_BYTES as usize + 1024);
    bomb.extend_from_slice(b"<w:document><w:body><w:p><w:r><w:t>");
    bomb.resize(MAX_DOCX_XML_BYTES as usize + 1024, b'a');
    let bytes = docx(&bomb);
    assert!(
        bytes.len() < 1024 * 1024,
        "the bomb is small: {}",
        bytes.len()
    );
    let error = file("bomb.docx", &bytes).unwrap_err();
    assert_eq!(error.code(), "too_large", "{error}");
}

#[test]
fn knowledge_docx_that_is_not_a_zip_is_unreadable() {
    let error = file("fake.docx", b"not a zip at all").unwrap_err();
    assert_eq!(error.code(), "unreadable");
    assert_eq!(
        error.to_string(),
        "the file could not be read: it is not a DOCX file (not a zip archive)"
    );
}

/// A one-page PDF showing `lines` in Helvetica.
fn pdf(lines: &[&str]) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut operations = vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec!["F1".into(), 12.into()]),
    ];
    for (i, line) in lines.iter().enumerate() {
        let y = 700 - 20 * i64::try_from(i).unwrap();
        operations.push(Operation::new(
            "Tm",
            vec![1.into(), 0.into(), 0.into(), 1.into(), 72.into(), y.into()],
        ));
        operations.push(Operation::new("Tj", vec![Object::string_literal(*line)]));
    }
    operations.push(Operation::new("ET", vec![]));
    let content = Content { operations };
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
    let page_id = doc.add_object(
        dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id },
    );
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

#[test]
fn knowledge_pdf_text() {
    let extracted = file("price.pdf", &pdf(&["Delivery terms", "Moscow: 300 RUB"])).unwrap();
    assert_eq!(extracted.format, Format::Pdf);
    let words: Vec<&str> = extracted.markdown.split_whitespace().collect();
    assert_eq!(
        words,
        ["Delivery", "terms", "Moscow:", "300", "RUB"],
        "{}",
        extracted.markdown
    );
}

#[test]
fn knowledge_malformed_pdf_is_unreadable() {
    for bytes in [&b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"[..], b"hello"] {
        let error = file("broken.pdf", bytes).unwrap_err();
        assert_eq!(error.code(), "unreadable", "{error}");
    }
    // A real PDF cut in half.
    let whole = pdf(&["Delivery terms"]);
    let error = file("cut.pdf", &whole[..whole.len() / 2]).unwrap_err();
    assert!(matches!(error.code(), "unreadable" | "no_text"), "{error}");
}

#[test]
fn knowledge_refusals_have_stable_codes() {
    assert_eq!(
        file("photo.jpg", b"...").unwrap_err().code(),
        "unsupported_type"
    );
    assert_eq!(
        file("no-extension", b"...").unwrap_err().code(),
        "unsupported_type"
    );
    let big = vec![b'a'; MAX_FILE_BYTES + 1];
    let error = file("big.txt", &big).unwrap_err();
    assert_eq!(
        (error.code(), error.to_string().as_str()),
        ("too_large", "the file is too large (the limit is 20 MB)")
    );
    assert_eq!(file("empty.txt", b"  \n\n ").unwrap_err().code(), "no_text");
    assert_eq!(
        file("binary.txt", b"\x00\x01\x02").unwrap_err().code(),
        "unreadable"
    );
}

#[tokio::test]
async fn knowledge_file_async_reads_on_a_blocking_thread() {
    let extracted = file_async(
        "a.md".to_owned(),
        "# Заголовок\n\nТекст".as_bytes().to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(extracted.markdown, "# Заголовок\n\nТекст");
    assert_eq!(
        file_async("a.exe".to_owned(), Vec::new())
            .await
            .unwrap_err()
            .code(),
        "unsupported_type"
    );
}

#[test]
fn knowledge_a_panic_fails_the_file_only() {
    let error = catch_panic(|| -> Result<(), ExtractError> { panic!("boom") }).unwrap_err();
    assert_eq!(error.code(), "failed");
    assert_eq!(
        error.to_string(),
        "the file could not be processed: the parser failed (boom)"
    );
}
