// rxtx_factor as double precision (Nova's Float on PostgreSQL): Nova takes any number above 0 up to
// SQL_SP_FLOAT_MAX, but in a single-precision column one below about 1e-45 rounds to 0, which PostgreSQL refuses
// ("out of range for type real"), so a valid POST /flavors answered 500. Through text, a stored 1.1 stays 1.1.
exports.up = async (sql) => {
  await sql`
    ALTER TABLE flavors ALTER COLUMN rxtx_factor TYPE double precision USING rxtx_factor::text::double precision`;
};

exports.down = async (sql) => {
  await sql`ALTER TABLE flavors ALTER COLUMN rxtx_factor TYPE real USING greatest(rxtx_factor, 1e-37)::real`;
};
