//! Contacts and Team Communicator through the headless API, on a real `earshot
//! --headless` with its SQLite store: a CSV with a bad line and a vCard file imported (the
//! bad line named, the rest kept, a second card with a known number merged), `search` by
//! folded name and by a number in three formats, queues found by label, `contact` and
//! `contact-history` answered, a contact named and two merged, errors coded, and everything
//! still there after a restart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use earshot_tests::headless::{Headless, temp_dir};
use serde_json::Value;

const SITE: &str = "[directory]\ncountry = \"GB\"\n[desk.queues.billing]\nlabel = \"Billing\"\n";

fn results(phone: &mut Headless, text: &str) -> Vec<Value> {
    phone.send(&format!("search {text}"));
    let (_, e) = phone.wait_for("results", |e| e["event"] == "results" && e["query"] == text);
    e["items"].as_array().cloned().unwrap_or_default()
}

fn names(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["name"].as_str().unwrap_or_default().to_owned()).collect()
}

#[test]
fn contacts_imported_searched_read_and_kept() {
    let dir = temp_dir("contacts");
    let csv = dir.join("contacts.csv");
    std::fs::write(
        &csv,
        "name,organisation,phone,email,Segment\n\
         Jürgen Müller,Müller GmbH,+44 20 7946 0000,jm@example.de,gold\n\
         Anna Mullins,,not-a-number,,\n\
         Samuel Lee,,020 7946 0999,,silver\n",
    )
    .unwrap();
    let vcf = dir.join("contacts.vcf");
    std::fs::write(
        &vcf,
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Marie Tremblay\r\nTEL:+1 514 555 0199\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:3.0\r\nFN:J. Müller\r\nTEL:020 7946 0000\r\nX-ACCOUNT:A-981\r\nEND:VCARD\r\n",
    )
    .unwrap();
    let mut phone = Headless::start_with(&dir, "agent", r#"["PCMU"]"#, SITE, &[]);

    phone.send(&format!("import-contacts {}", csv.display()));
    let (_, done) = phone.wait_for("csv imported", |e| e["event"] == "contacts-imported");
    assert_eq!((done["added"].as_u64(), done["merged"].as_u64()), (Some(2), Some(0)), "{done}");
    let rejected = done["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1, "{done}");
    assert_eq!(rejected[0]["line"], 3);
    assert!(rejected[0]["why"].as_str().unwrap().contains("not-a-number"));

    phone.send(&format!("import-contacts {}", vcf.display()));
    let (_, done) = phone.wait_for("vCard imported", |e| {
        e["event"] == "contacts-imported" && e["file"].as_str().is_some_and(|f| f.ends_with(".vcf"))
    });
    assert_eq!((done["added"].as_u64(), done["merged"].as_u64()), (Some(1), Some(1)), "{done}");

    // Müller by a folded prefix and by his name unaccented; by his number in three formats.
    assert_eq!(names(&results(&mut phone, "mull")), ["Jürgen Müller"]);
    assert_eq!(names(&results(&mut phone, "muller")), ["Jürgen Müller"]);
    for number in ["020 7946 0000", "+44 20 7946 0000", "442079460000"] {
        let items = results(&mut phone, number);
        assert_eq!(names(&items)[..1], ["Jürgen Müller"], "{number}");
        assert_eq!(items[0]["kind"], "contact");
    }
    let billing = results(&mut phone, "bill");
    assert_eq!(
        (billing[0]["kind"].as_str(), billing[0]["name"].as_str()),
        (Some("queue"), Some("Billing"))
    );
    assert!(results(&mut phone, "nobody here").is_empty());

    // The contact, with what both files said of him.
    let id = results(&mut phone, "muller")[0]["id"].as_str().unwrap().parse::<u64>().unwrap();
    phone.send(&format!("contact {id}"));
    let (_, c) = phone.wait_for("contact", |e| e["event"] == "contact");
    let contact = &c["contact"];
    assert_eq!(contact["name"], "Jürgen Müller");
    assert_eq!(contact["organisation"], "Müller GmbH");
    assert_eq!(contact["fields"]["Segment"], "gold");
    assert_eq!(contact["fields"]["X-ACCOUNT"], "A-981", "merged from the vCard");
    let identities: Vec<&str> = contact["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_str().unwrap())
        .collect();
    assert_eq!(identities, ["+44 20 7946 0000", "jm@example.de", "020 7946 0000"]);
    phone.send(&format!("contact-history {id} 5"));
    let (_, h) = phone.wait_for("contact-history", |e| e["event"] == "contact-history");
    assert_eq!((h["contact"].as_u64(), h["items"].as_array().map(Vec::len)), (Some(id), Some(0)));

    // Named, and two made one: the index follows both.
    let marie = results(&mut phone, "tremblay")[0]["id"].as_str().unwrap().parse::<u64>().unwrap();
    phone.send(&format!("name-contact {marie} Marie-Ève Tremblay"));
    phone.wait_for("renamed", |e| {
        e["event"] == "contact" && e["contact"]["name"] == "Marie-Ève Tremblay"
    });
    assert_eq!(names(&results(&mut phone, "eve")), ["Marie-Ève Tremblay"]);
    let lee = results(&mut phone, "samuel")[0]["id"].as_str().unwrap().parse::<u64>().unwrap();
    phone.send(&format!("merge-contacts {id} {lee}"));
    let (_, merged) = phone.wait_for("merged", |e| e["event"] == "contacts-merged");
    assert_eq!((merged["gone"].as_u64(), merged["contact"]["id"].as_u64()), (Some(lee), Some(id)));
    assert!(results(&mut phone, "samuel").is_empty(), "the merged contact is gone");
    assert_eq!(names(&results(&mut phone, "020 7946 0999")), ["Jürgen Müller"]);
    phone.send(&format!("merge-contacts {id} {id}"));
    phone.wait_for("merge refused", |e| {
        e["event"] == "error" && e["problem"]["code"] == "merge-self"
    });
    phone.send(&format!("merge-contacts {id} 9999"));
    phone.wait_for("no such contact", |e| {
        e["event"] == "error" && e["problem"]["code"] == "no-contact" && e["problem"]["id"] == 9999
    });

    // Exported to CSV: read back, the same contacts.
    let out = dir.join("export.csv");
    phone.send(&format!("export-contacts {}", out.display()));
    let (_, exported) = phone.wait_for("exported", |e| e["event"] == "contacts-exported");
    assert_eq!(exported["count"], 2, "{exported}");
    let back = earshot_engine::directory::read_contacts(
        &std::fs::read(&out).unwrap(),
        &earshot_engine::directory::Numbering::new("GB").unwrap(),
    );
    assert!(back.rejected.is_empty(), "{:?}", back.rejected);
    let mut exported_names: Vec<String> = back.contacts.iter().map(|c| c.name.clone()).collect();
    exported_names.sort();
    assert_eq!(exported_names, ["Jürgen Müller", "Marie-Ève Tremblay"]);
    let muller = back.contacts.iter().find(|c| c.name == "Jürgen Müller").unwrap();
    assert!(
        muller.identities.iter().any(|i| i.value == "020 7946 0999"),
        "Samuel's number, merged"
    );
    phone.send(&format!("export-contacts {}", dir.join("no/such/dir/x.csv").display()));
    phone.wait_for("export refused", |e| {
        e["event"] == "error" && e["problem"]["code"] == "export-failed"
    });

    // Errors, coded for the window.
    phone.send("contact 9999");
    let (_, e) = phone
        .wait_for("no contact", |e| e["event"] == "error" && e["problem"]["code"] == "no-contact");
    assert_eq!(e["problem"]["id"], 9999);
    phone.send(&format!("import-contacts {}", dir.join("missing.csv").display()));
    phone.wait_for("no file", |e| e["event"] == "error" && e["problem"]["code"] == "import-failed");
    phone.send("contact-history x");
    phone.wait_for("usage", |e| {
        e["event"] == "error"
            && e["message"].as_str().is_some_and(|m| m.contains("contact-history ID [N]"))
    });
    phone.quit();

    // Started again: the contacts are in the store and in the index.
    let mut again = Headless::start_with(&dir, "agent", r#"["PCMU"]"#, SITE, &[]);
    assert_eq!(names(&results(&mut again, "tremblay")), ["Marie-Ève Tremblay"]);
    assert_eq!(names(&results(&mut again, "+1 (514) 555-0199")), ["Marie-Ève Tremblay"]);
    assert!(results(&mut again, "samuel").is_empty());
    again.quit();
    std::fs::remove_dir_all(&dir).ok();
}
