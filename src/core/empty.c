/* Placeholder so a stage with no sources yet still forms a library. */
typedef int fs__empty_translation_unit;
