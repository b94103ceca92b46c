// Migrations of the example app, applied by migrate() at boot. Names sort in application order; never rename one
// that was released. Each up() runs in a transaction; keep down() for rollbacks that must keep newer data.

/** @type {import('molt/sdk').Migration[]} */
export const migrations = [
  {
    name: '0001-notes',
    up: ({ db }) => db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, created_at TEXT NOT NULL)'),
    down: ({ db }) => db.exec('DROP TABLE notes'),
  },
  {
    name: '0002-notes-author',
    up: ({ db }) => db.exec("ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT 'anonymous'"),
    down: ({ db }) => db.exec('ALTER TABLE notes DROP COLUMN author'),
  },
];
