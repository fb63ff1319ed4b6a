//! Reading a class list as a Dutch school administration exports it (Magister,
//! Somtoday and the like): one row per student with student number, name, e-mail and
//! class. Pure: text in, rows and per-row errors out; `routes/classes.rs` stores them.
//!
//! Accepted: `;` or `,` as separator (Dutch spreadsheets write `;`), UTF-8 with or
//! without a byte order mark, a header row in Dutch or English in any column order, and
//! a name either in one column or as first name, infix (tussenvoegsel) and last name.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One good row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudentRow {
    /// The row's number as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    pub student_number: String,
    pub name: String,
    pub email: String,
    /// The class the export puts the student in, if it has that column.
    pub class: Option<String>,
}

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RowError {
    /// As a spreadsheet numbers it: the header is row 1.
    pub row: usize,
    pub message: String,
}

/// What a file held: the good rows and an error for each bad one.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<StudentRow>,
    pub errors: Vec<RowError>,
}

/// Why the whole file was refused (nothing in it can be read as a class list).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CsvError {
    #[error("the file is empty")]
    Empty,
    #[error("the header row has no {0} column (seen: {1})")]
    MissingColumn(&'static str, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Number,
    Name,
    FirstName,
    Infix,
    LastName,
    Email,
    Class,
}

/// Header names, compared after lowercasing and dropping spaces, `-`, `_` and `.`.
const HEADERS: &[(&str, Column)] = &[
    ("leerlingnummer", Column::Number),
    ("studentnummer", Column::Number),
    ("stamnummer", Column::Number),
    ("llnr", Column::Number),
    ("studentnumber", Column::Number),
    ("studentid", Column::Number),
    ("number", Column::Number),
    ("naam", Column::Name),
    ("volledigenaam", Column::Name),
    ("name", Column::Name),
    ("fullname", Column::Name),
    ("roepnaam", Column::FirstName),
    ("voornaam", Column::FirstName),
    ("firstname", Column::FirstName),
    ("tussenvoegsel", Column::Infix),
    ("tussenvoegsels", Column::Infix),
    ("achternaam", Column::LastName),
    ("lastname", Column::LastName),
    ("surname", Column::LastName),
    ("email", Column::Email),
    ("emailadres", Column::Email),
    ("mail", Column::Email),
    ("klas", Column::Class),
    ("groep", Column::Class),
    ("class", Column::Class),
    ("group", Column::Class),
];

fn column_of(header: &str) -> Option<Column> {
    let key: String =
        header.trim().to_lowercase().chars().filter(|c| !matches!(c, ' ' | '-' | '_' | '.')).collect();
    HEADERS.iter().find(|(name, _)| *name == key).map(|(_, column)| *column)
}

/// Reads a class list.
pub fn parse(text: &str) -> Result<Parsed, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header_line = text.lines().find(|l| !l.trim().is_empty()).ok_or(CsvError::Empty)?;
    // The separator is whichever of the two the header uses more: a Dutch export uses
    // `;` because `,` is the decimal comma.
    let separator =
        if header_line.matches(';').count() >= header_line.matches(',').count() { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|_| CsvError::Empty)?.clone();
    let columns: Vec<Option<Column>> = headers.iter().map(column_of).collect();
    let find = |wanted: Column| columns.iter().position(|c| *c == Some(wanted));
    let seen = headers.iter().collect::<Vec<_>>().join(", ");
    let number =
        find(Column::Number).ok_or_else(|| CsvError::MissingColumn("student number", seen.clone()))?;
    let email = find(Column::Email).ok_or_else(|| CsvError::MissingColumn("e-mail", seen.clone()))?;
    let name = find(Column::Name);
    let (first, infix, last) = (find(Column::FirstName), find(Column::Infix), find(Column::LastName));
    if name.is_none() && (first.is_none() || last.is_none()) {
        return Err(CsvError::MissingColumn("name (or first and last name)", seen));
    }
    let class = find(Column::Class);

    let mut parsed = Parsed::default();
    let mut numbers_seen = std::collections::HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let row = error.position().map_or(0, |p| p.line() as usize);
                parsed.errors.push(RowError { row, message: format!("cannot be read: {error}") });
                continue;
            }
        };
        let row = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(str::is_empty) {
            continue;
        }
        let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").to_string();
        let full_name = match name {
            Some(i) => field(Some(i)),
            None => [field(first), field(infix), field(last)]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        };
        let student = StudentRow {
            row,
            student_number: field(Some(number)),
            name: full_name,
            email: field(Some(email)),
            class: class.map(|i| field(Some(i))).filter(|c| !c.is_empty()),
        };
        if let Err(message) = check_row(&student) {
            parsed.errors.push(RowError { row, message });
            continue;
        }
        if let Some(first_row) = numbers_seen.insert(student.student_number.clone(), row) {
            parsed.errors.push(RowError {
                row,
                message: format!("student number {} is also on row {first_row}", student.student_number),
            });
            continue;
        }
        parsed.rows.push(student);
    }
    Ok(parsed)
}

fn check_row(student: &StudentRow) -> Result<(), String> {
    if student.student_number.is_empty() {
        return Err("the student number is empty".into());
    }
    if !student.student_number.chars().all(|c| c.is_ascii_alphanumeric()) || student.student_number.len() > 32
    {
        return Err(format!(
            "student number {:?} is not letters and digits (at most 32)",
            student.student_number
        ));
    }
    if student.name.is_empty() {
        return Err("the name is empty".into());
    }
    let email = &student.email;
    let plausible = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
    }) && !email.chars().any(char::is_whitespace);
    if !plausible {
        return Err(format!("e-mail address {email:?} is not an address"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dutch_export_with_bom_and_semicolons_is_read() {
        let text = "\u{feff}Leerlingnummer;Roepnaam;Tussenvoegsel;Achternaam;E-mailadres;Klas\n\
                    123456;Jan;de;Vries;jan@school.nl;4A\n\
                    123457;Piet;;Jansen;piet@school.nl;4A\n";
        let parsed = parse(text).expect("readable");
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].name, "Jan de Vries");
        assert_eq!(parsed.rows[0].row, 2);
        assert_eq!(parsed.rows[1].class.as_deref(), Some("4A"));
    }

    #[test]
    fn an_english_export_with_commas_is_read() {
        let text = "Student number,Name,Email,Class\n1,Ann Smith,ann@example.org,4A\n";
        let parsed = parse(text).expect("readable");
        assert_eq!(parsed.rows[0].student_number, "1");
        assert_eq!(parsed.rows[0].email, "ann@example.org");
    }

    #[test]
    fn bad_rows_get_their_row_number_and_good_rows_are_kept() {
        let text =
            "studentnummer;naam;email\n1;A;a@x.nl\n;B;b@x.nl\n3;C;not-an-address\n1;D;d@x.nl\n5;E;e@x.nl\n";
        let parsed = parse(text).expect("readable");
        let numbers: Vec<_> = parsed.rows.iter().map(|r| r.student_number.as_str()).collect();
        assert_eq!(numbers, ["1", "5"]);
        let rows: Vec<_> = parsed.errors.iter().map(|e| e.row).collect();
        assert_eq!(rows, [3, 4, 5]);
        assert!(parsed.errors[2].message.contains("row 2"), "{:?}", parsed.errors[2]);
    }

    #[test]
    fn a_header_without_student_numbers_is_refused_naming_what_it_saw() {
        let error = parse("naam;email\nA;a@x.nl\n").expect_err("no number column");
        assert!(error.to_string().contains("student number"), "{error}");
        assert!(error.to_string().contains("naam"), "{error}");
    }
}
