"""The source contracts (../shared/contracts/SOURCES.md) as code: columns, enumerations, rules."""
