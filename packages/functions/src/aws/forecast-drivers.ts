import { customerDrivers, type DatasetDrivers, type DriverGrid } from "@myriad/core/drivers/customer-drivers";
import { aggregationOf, type RelatedConfig } from "@myriad/core/drivers/dataset-drivers-config";
import type { ItemMetadata } from "@myriad/core/drivers/metadata";
import { addSteps } from "@myriad/core/series/frequency";

/**
 * How a dataset's drivers (`drivers/<dataset>/`) become Amazon Forecast datasets, beside the
 * TARGET_TIME_SERIES of the customers' series. Forecast's data model: one dataset of each type
 * per dataset group, every file a headerless CSV whose columns follow the schema.
 *
 * **Item metadata → ITEM_METADATA** (`item_id` + one `string` attribute per metadata attribute).
 * Sent when at least one customer of the run has an attribute. Forecast takes at most 10 columns
 * in an item metadata dataset, `item_id` included, so the first 9 attributes in name order are
 * sent and the rest are listed in the plan's `dropped`. Forecast uses item metadata only when
 * every item of the target series is in it, so every customer gets a row: an attribute it does
 * not have is {@link MISSING_METADATA}. Commas, quotes and line breaks in a value become `_`.
 *
 * **Related series → one RELATED_TIME_SERIES** (`item_id`, `timestamp`, one `float` attribute
 * per field). Each customer's fields come from {@link customerDrivers}: its own series, else its
 * metadata attribute's (every customer of region `north` gets `north`'s weather), laid on the
 * target's grid from the customer's first step to the run's last step plus the horizon, since
 * Forecast wants every item's related series to start at or before its target and to run
 * `ForecastHorizon` steps past the target's end. Sent fields: those `related.fields` names (in
 * its order; else every field, in name order) that cover the horizon for at least one customer,
 * at most 13 (Forecast's limit of related features; the rest are `dropped`). Forecast has one
 * schema for all items, so a customer lacking a sent field over the horizon is **left out of
 * the related file** and listed in `leftOut`; Forecast then trains and forecasts only the items
 * of the related series, and the backend says so in that customer's error. When no customer
 * has every sent field, training fails before anything is created.
 *
 * Unknown steps after a field's first known value are empty cells, filled by Forecast
 * (`AttributeConfigs`: `middlefill`, `backfill` and `futurefill` are `zero` for a field
 * aggregated by `sum`, `mean` otherwise; related fields take no `aggregation`). Forecast has no
 * front fill for related series, so the steps before the first known value are written here:
 * 0 for a `sum` field, the first known value otherwise.
 *
 * **Attribute names**: Forecast wants `[a-zA-Z][a-zA-Z0-9_]*` of at most 63 characters, unique,
 * none of its reserved names. See {@link forecastAttributeName}.
 */

/** Columns Forecast takes in an item metadata dataset, `item_id` included, less that one. */
export const MAX_METADATA_ATTRIBUTES = 9;
/** Related time-series features Forecast takes in one related time series dataset. */
export const MAX_RELATED_FIELDS = 13;
/** The value of a metadata attribute a customer does not have. */
export const MISSING_METADATA = "_missing";

/** A driver's name in Myriad and the attribute name it has in Forecast's schema. */
export interface ForecastAttribute {
  name: string;
  attribute: string;
}

export interface MetadataPlan {
  /** Attributes sent, in schema and column order after `item_id`. */
  attributes: ForecastAttribute[];
  /** Attributes past Forecast's limit, not sent. */
  dropped: string[];
}

/** Forecast's filling of a related field's unknown steps (middlefill, backfill, futurefill). */
export type RelatedFill = "zero" | "mean";

export interface RelatedPlan {
  /** Fields sent, in schema and column order after `item_id` and `timestamp`. */
  fields: (ForecastAttribute & { fill: RelatedFill })[];
  /** Fields past Forecast's limit, not sent. */
  dropped: string[];
  /** Customers left out of the related file → the sent fields they lack over the horizon. */
  leftOut: Record<string, string[]>;
}

/** What a run sends besides the target series; `{}` when nothing. */
export interface DriverPlan {
  metadata?: MetadataPlan;
  related?: RelatedPlan;
}

/** One customer of the run and the grid its related fields are laid on. */
export interface CustomerGrid {
  id: string;
  grid: DriverGrid;
}

/** Forecast's `yyyy-MM-dd HH:mm:ss` (UTC), the TimestampFormat of every time-series import. */
export function forecastTimestamp(t: number): string {
  const iso = new Date(t).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/**
 * `name` as a Forecast attribute name, not in `taken` (and added to it): lower case, each run of
 * other characters than `a-z0-9_` as one `_`, leading and trailing `_` dropped; `f_` in front
 * when it does not start with a letter; at most 58 characters; a trailing `_` when it is one of
 * Forecast's reserved names (`temp` → `temp_`, compared case-insensitively) or one of the
 * schema's own (`item_id`, `timestamp`, `target_value`); `_2`, `_3`… when already taken.
 */
export function forecastAttributeName(name: string, taken: Set<string>): string {
  let base = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!/^[a-z]/.test(base)) base = `f_${base}`;
  base = base.slice(0, 58);
  if (isReservedName(base)) base = `${base}_`;
  let candidate = base;
  for (let n = 2; taken.has(candidate) || isReservedName(candidate); n++) candidate = `${base}_${n}`;
  taken.add(candidate);
  return candidate;
}

/** A name Forecast reserves, or one the schemas use themselves. */
export function isReservedName(name: string): boolean {
  return OWN_NAMES.has(name) || RESERVED_NAMES.has(name.toUpperCase());
}

/** The attributes to send for `customers`, or undefined when none of them has one. */
export function planMetadata(
  metadata: ItemMetadata,
  customers: string[],
  taken: Set<string>,
): MetadataPlan | undefined {
  const present = new Set<string>();
  for (const id of customers) {
    for (const [attribute, value] of Object.entries(metadata.customers[id] ?? {})) {
      if (value.trim() !== "") present.add(attribute);
    }
  }
  const names = [...present].sort();
  if (names.length === 0) return undefined;
  return {
    attributes: names
      .slice(0, MAX_METADATA_ATTRIBUTES)
      .map((name) => ({ name, attribute: forecastAttributeName(name, taken) })),
    dropped: names.slice(MAX_METADATA_ATTRIBUTES),
  };
}

/** One customer's row of the item metadata file: `item_id,<attribute>…`. */
export function metadataRow(plan: MetadataPlan, metadata: ItemMetadata, customerId: string): string {
  const values = metadata.customers[customerId] ?? {};
  const cells = plan.attributes.map(({ name }) => {
    const value = values[name]?.trim() ?? "";
    return value === "" ? MISSING_METADATA : value.replace(/[,"\r\n]/g, "_");
  });
  return `${[customerId, ...cells].join(",")}\n`;
}

/**
 * The related fields to send and the customers left out (see the module comment), or undefined
 * when the dataset has no related series or no field covers the horizon for any customer.
 *
 * @throws Error when no customer has every field sent.
 */
export function planRelated(
  drivers: DatasetDrivers,
  customers: CustomerGrid[],
  config: RelatedConfig | undefined,
  taken: Set<string>,
): RelatedPlan | undefined {
  if (drivers.related.length === 0 || customers.length === 0) return undefined;
  const usedBy = new Map<string, Set<string>>();
  const usedByAny = new Set<string>();
  for (const { id, grid } of customers) {
    const used = Object.keys(customerDrivers(drivers, id, grid).history.fields);
    usedBy.set(id, new Set(used));
    for (const field of used) usedByAny.add(field);
  }
  const order = config?.fields ? [...new Set(config.fields)] : [...usedByAny].sort();
  const names = order.filter((field) => usedByAny.has(field));
  if (names.length === 0) return undefined;
  const sent = names.slice(0, MAX_RELATED_FIELDS);
  const leftOut: Record<string, string[]> = {};
  for (const { id } of customers) {
    const lacking = sent.filter((field) => !usedBy.get(id)?.has(field));
    if (lacking.length > 0) leftOut[id] = lacking;
  }
  if (Object.keys(leftOut).length === customers.length) {
    throw new Error(
      `Amazon Forecast needs every related field of every item over the forecast horizon, and no customer has all of ${sent.join(", ")}: extend the related files or narrow _dataset.json "related": {"fields": [...]}`,
    );
  }
  return {
    fields: sent.map((name) => ({
      name,
      attribute: forecastAttributeName(name, taken),
      fill: fillOf(name, drivers, config),
    })),
    dropped: names.slice(MAX_RELATED_FIELDS),
    leftOut,
  };
}

/** `zero` for a field aggregated by `sum` (as stored, else as configured), `mean` otherwise. */
function fillOf(field: string, drivers: DatasetDrivers, config: RelatedConfig | undefined): RelatedFill {
  const stored = drivers.related.find((r) => r.aggregation[field] !== undefined)?.aggregation[field];
  return (stored ?? aggregationOf(field, config)) === "sum" ? "zero" : "mean";
}

/**
 * One customer's rows of the related file, `item_id,timestamp,<field>…`, one per step of
 * `grid` (history and horizon). The customer must not be in the plan's `leftOut`.
 */
export function relatedRows(drivers: DatasetDrivers, customer: CustomerGrid, plan: RelatedPlan): string {
  const { id, grid } = customer;
  const resolved = customerDrivers(drivers, id, grid);
  const total = grid.length + grid.horizon;
  const columns = plan.fields.map(({ name, fill }) => {
    const history = resolved.history.fields[name];
    const future = resolved.future.fields[name];
    if (history === undefined || future === undefined) {
      throw new Error(`related field ${name} does not cover the forecast horizon for customer ${id}`);
    }
    const values = new Float64Array(total);
    values.set(history);
    values.set(future, history.length);
    const first = values.findIndex((v) => !Number.isNaN(v));
    if (first > 0) values.fill(fill === "zero" ? 0 : values[first], 0, first);
    return values;
  });
  let out = "";
  for (let i = 0; i < total; i++) {
    out += `${id},${forecastTimestamp(addSteps(grid.start, i, grid.frequency))}`;
    for (const values of columns) out += Number.isNaN(values[i]) ? "," : `,${values[i]}`;
    out += "\n";
  }
  return out;
}

/** CreateDataset's schema of the ITEM_METADATA dataset. */
export function metadataSchema(plan: MetadataPlan) {
  return {
    Attributes: [
      { AttributeName: "item_id", AttributeType: "string" as const },
      ...plan.attributes.map(({ attribute }) => ({
        AttributeName: attribute,
        AttributeType: "string" as const,
      })),
    ],
  };
}

/** CreateDataset's schema of the RELATED_TIME_SERIES dataset. */
export function relatedSchema(plan: RelatedPlan) {
  return {
    Attributes: [
      { AttributeName: "item_id", AttributeType: "string" as const },
      { AttributeName: "timestamp", AttributeType: "timestamp" as const },
      ...plan.fields.map(({ attribute }) => ({ AttributeName: attribute, AttributeType: "float" as const })),
    ],
  };
}

/** CreateAutoPredictor's `DataConfig.AttributeConfigs` for the related fields. */
export function relatedAttributeConfigs(plan: RelatedPlan) {
  return plan.fields.map(({ attribute, fill }) => ({
    AttributeName: attribute,
    Transformations: { middlefill: fill, backfill: fill, futurefill: fill },
  }));
}

const OWN_NAMES = new Set(["item_id", "timestamp", "target_value"]);

/** Amazon Forecast's reserved field names (docs.aws.amazon.com/forecast/latest/dg/reserved-field-names.html). */
const RESERVED_NAMES = new Set(
  `
A ABORT ABS ABSOLUTE ACCESS ACTION ADA ADD ADMIN AFTER AGGREGATE ALIAS ALL ALLOCATE ALSO ALTER
ALWAYS ANALYSE ANALYZE AND ANY ARE ARRAY AS ASC ASENSITIVE ASSERTION ASSIGNMENT ASYMMETRIC AT
ATOMIC ATTRIBUTE ATTRIBUTES AUDIT AUTHORIZATION AUTO_INCREMENT AVG AVG_ROW_LENGTH BACKUP
BACKWARD BEFORE BEGIN BERNOULLI BETWEEN BIGINT BINARY BIT BIT_LENGTH BITVAR BLOB BOOL BOOLEAN
BOTH BREADTH BREAK BROWSE BULK BY C CACHE CALL CALLED CARDINALITY CASCADE CASCADED CASE CAST
CATALOG CATALOG_NAME CEIL CEILING CHAIN CHANGE CHAR CHAR_LENGTH CHARACTER CHARACTER_LENGTH
CHARACTER_SET_CATALOG CHARACTER_SET_NAME CHARACTER_SET_SCHEMA CHARACTERISTICS CHARACTERS CHECK
CHECKED CHECKPOINT CHECKSUM CLASS CLASS_ORIGIN CLOB CLOSE CLUSTER CLUSTERED COALESCE COBOL
COLLATE COLLATION COLLATION_CATALOG COLLATION_NAME COLLATION_SCHEMA COLLECT COLUMN COLUMN_NAME
COLUMNS COMMAND_FUNCTION COMMAND_FUNCTION_CODE COMMENT COMMIT COMMITTED COMPLETION COMPRESS
COMPUTE CONDITION CONDITION_NUMBER CONNECT CONNECTION CONNECTION_NAME CONSTRAINT
CONSTRAINT_CATALOG CONSTRAINT_NAME CONSTRAINT_SCHEMA CONSTRAINTS CONSTRUCTOR CONTAINS
CONTAINSTABLE CONTINUE CONVERSION CONVERT COPY CORR CORRESPONDING COUNT COVAR_POP COVAR_SAMP
CREATE CREATEDB CREATEROLE CREATEUSER CROSS CSV CUBE CUME_DIST CURRENT CURRENT_DATE
CURRENT_DEFAULT_TRANSFORM_GROUP CURRENT_PATH CURRENT_ROLE CURRENT_TIME CURRENT_TIMESTAMP
CURRENT_TRANSFORM_GROUP_FOR_TYPE CURRENT_USER CURSOR CURSOR_NAME CYCLE DATA DATABASE DATABASES
DATETIME DATETIME_INTERVAL_CODE DATETIME_INTERVAL_PRECISION DAY DAY_HOUR DAY_MICROSECOND
DAY_MINUTE DAY_SECOND DAYOFMONTH DAYOFWEEK DAYOFYEAR DBCC DEALLOCATE DEC DECIMAL DECLARE DEFAULT
DEFAULTS DEFERRABLE DEFERRED DEFINED DEFINER DEGREE DELAY_KEY_WRITE DELAYED DELETE DELIMITER
DELIMITERS DENSE_RANK DENY DEPTH DEREF DERIVED DESC DESCRIBE DESCRIPTOR DESTROY DESTRUCTOR
DETERMINISTIC DIAGNOSTICS DICTIONARY DISABLE DISCONNECT DISK DISPATCH DISTINCT DISTINCTROW
DISTRIBUTED DIV DO DOMAIN DOUBLE DROP DUAL DUMMY DUMP DYNAMIC DYNAMIC_FUNCTION
DYNAMIC_FUNCTION_CODE EACH ELEMENT ELSE ELSEIF ENABLE ENCLOSED ENCODING ENCRYPTED END END-EXEC
ENUM EQUALS ERRLVL ESCAPE ESCAPED EVERY EXCEPT EXCEPTION EXCLUDE EXCLUDING EXCLUSIVE EXEC
EXECUTE EXISTING EXISTS EXIT EXP EXPLAIN EXTERNAL EXTRACT FALSE FETCH FIELDS FILE FILLFACTOR
FILTER FINAL FIRST FLOAT FLOAT4 FLOAT8 FLOOR FLUSH FOLLOWING FOR FORCE FOREIGN FORTRAN FORWARD
FOUND FREE FREETEXT FREETEXTTABLE FREEZE FROM FULL FULLTEXT FUNCTION FUSION G GENERAL GENERATED
GET GLOBAL GO GOTO GRANT GRANTED GRANTS GREATEST GROUP GROUPING HANDLER HAVING HEADER HEAP
HIERARCHY HIGH_PRIORITY HOLD HOLDLOCK HOST HOSTS HOUR HOUR_MICROSECOND HOUR_MINUTE HOUR_SECOND
IDENTIFIED IDENTITY IDENTITY_INSERT IDENTITYCOL IF IGNORE ILIKE IMMEDIATE IMMUTABLE
IMPLEMENTATION IMPLICIT IN INCLUDE INCLUDING INCREMENT INDEX INDICATOR INFILE INFIX INHERIT
INHERITS INITIAL INITIALIZE INITIALLY INNER INOUT INPUT INSENSITIVE INSERT INSERT_ID INSTANCE
INSTANTIABLE INSTEAD INT INT1 INT2 INT3 INT4 INT8 INTEGER INTERSECT INTERSECTION INTERVAL INTO
INVOKER IS ISAM ISNULL ISOLATION ITERATE JOIN K KEY KEY_MEMBER KEY_TYPE KEYS KILL LANCOMPILER
LANGUAGE LARGE LAST LAST_INSERT_ID LATERAL LEADING LEAST LEAVE LEFT LENGTH LESS LEVEL LIKE LIMIT
LINENO LINES LISTEN LN LOAD LOCAL LOCALTIME LOCALTIMESTAMP LOCATOR LOCK LOGIN LOGS LONG LONGBLOB
LONGTEXT LOOP LOW_PRIORITY LOWER M MAP MATCH MATCHED MAX MAX_ROWS MAXEXTENTS MAXVALUE MEDIUMBLOB
MEDIUMINT MEDIUMTEXT MEMBER MERGE MESSAGE_LENGTH MESSAGE_OCTET_LENGTH MESSAGE_TEXT METHOD
MIDDLEINT MIN MIN_ROWS MINUS MINUTE MINUTE_MICROSECOND MINUTE_SECOND MINVALUE MLSLABEL MOD MODE
MODIFIES MODIFY MODULE MONTH MONTHNAME MORE MOVE MULTISET MUMPS MYISAM NAME NAMES NATIONAL
NATURAL NCHAR NCLOB NESTING NEW NEXT NO NO_WRITE_TO_BINLOG NOAUDIT NOCHECK NOCOMPRESS NOCREATEDB
NOCREATEROLE NOCREATEUSER NOINHERIT NOLOGIN NONCLUSTERED NONE NORMALIZE NORMALIZED NOSUPERUSER
NOT NOTHING NOTIFY NOTNULL NOWAIT NULL NULLABLE NULLIF NULLS NUMBER NUMERIC OBJECT OCTET_LENGTH
OCTETS OF OFF OFFLINE OFFSET OFFSETS OIDS OLD ON ONLINE ONLY OPEN OPENDATASOURCE OPENQUERY
OPENROWSET OPENXML OPERATION OPERATOR OPTIMIZE OPTION OPTIONALLY OPTIONS OR ORDER ORDERING
ORDINALITY OTHERS OUT OUTER OUTFILE OUTPUT OVER OVERLAPS OVERLAY OVERRIDING OWNER PACK_KEYS PAD
PARAMETER PARAMETER_MODE PARAMETER_NAME PARAMETER_ORDINAL_POSITION PARAMETER_SPECIFIC_CATALOG
PARAMETER_SPECIFIC_NAME PARAMETER_SPECIFIC_SCHEMA PARAMETERS PARTIAL PARTITION PASCAL PASSWORD
PATH PCTFREE PERCENT PERCENT_RANK PERCENTILE_CONT PERCENTILE_DISC PLACING PLAN PLI POSITION
POSTFIX POWER PRECEDING PRECISION PREFIX PREORDER PREPARE PREPARED PRESERVE PRIMARY PRINT PRIOR
PRIVILEGES PROC PROCEDURAL PROCEDURE PROCESS PROCESSLIST PUBLIC PURGE QUOTE RAID0 RAISERROR
RANGE RANK RAW READ READS READTEXT REAL RECHECK RECONFIGURE RECURSIVE REF REFERENCES REFERENCING
REGEXP REGR_AVGX REGR_AVGY REGR_COUNT REGR_INTERCEPT REGR_R2 REGR_SLOPE REGR_SXX REGR_SXY
REGR_SYY REINDEX RELATIVE RELEASE RELOAD RENAME REPEAT REPEATABLE REPLACE REPLICATION REQUIRE
RESET RESIGNAL RESOURCE RESTART RESTORE RESTRICT RESULT RETURN RETURNED_CARDINALITY
RETURNED_LENGTH RETURNED_OCTET_LENGTH RETURNED_SQLSTATE RETURNS REVOKE RIGHT RLIKE ROLE ROLLBACK
ROLLUP ROUTINE ROUTINE_CATALOG ROUTINE_NAME ROUTINE_SCHEMA ROW ROW_COUNT ROW_NUMBER ROWCOUNT
ROWGUIDCOL ROWID ROWNUM ROWS RULE SAVE SAVEPOINT SCALE SCHEMA SCHEMA_NAME SCHEMAS SCOPE
SCOPE_CATALOG SCOPE_NAME SCOPE_SCHEMA SCROLL SEARCH SECOND SECOND_MICROSECOND SECTION SECURITY
SELECT SELF SENSITIVE SEPARATOR SEQUENCE SERIALIZABLE SERVER_NAME SESSION SESSION_USER SET SETOF
SETS SETUSER SHARE SHOW SHUTDOWN SIGNAL SIMILAR SIMPLE SIZE SMALLINT SOME SONAME SOURCE SPACE
SPATIAL SPECIFIC SPECIFIC_NAME SPECIFICTYPE SQL SQL_BIG_RESULT SQL_BIG_SELECTS SQL_BIG_TABLES
SQL_CALC_FOUND_ROWS SQL_LOG_OFF SQL_LOG_UPDATE SQL_LOW_PRIORITY_UPDATES SQL_SELECT_LIMIT
SQL_SMALL_RESULT SQL_WARNINGS SQLCA SQLCODE SQLERROR SQLEXCEPTION SQLSTATE SQLWARNING SQRT SSL
STABLE START STARTING STATE STATEMENT STATIC STATISTICS STATUS STDDEV_POP STDDEV_SAMP STDIN
STDOUT STORAGE STRAIGHT_JOIN STRICT STRING STRUCTURE STYLE SUBCLASS_ORIGIN SUBLIST SUBMULTISET
SUBSTRING SUCCESSFUL SUM SUPERUSER SYMMETRIC SYNONYM SYSDATE SYSID SYSTEM SYSTEM_USER TABLE
TABLE_NAME TABLES TABLESAMPLE TABLESPACE TEMP TEMPLATE TEMPORARY TERMINATE TERMINATED TEXT
TEXTSIZE THAN THEN TIES TIME TIMEZONE_HOUR TIMEZONE_MINUTE TINYBLOB TINYINT TINYTEXT TO TOAST
TOP TOP_LEVEL_COUNT TRAILING TRAN TRANSACTION TRANSACTION_ACTIVE TRANSACTIONS_COMMITTED
TRANSACTIONS_ROLLED_BACK TRANSFORM TRANSFORMS TRANSLATE TRANSLATION TREAT TRIGGER
TRIGGER_CATALOG TRIGGER_NAME TRIGGER_SCHEMA TRIM TRUE TRUNCATE TRUSTED TSEQUAL TYPE UESCAPE UID
UNBOUNDED UNCOMMITTED UNDER UNDO UNENCRYPTED UNION UNIQUE UNKNOWN UNLISTEN UNLOCK UNNAMED UNNEST
UNSIGNED UNTIL UPDATE UPDATETEXT UPPER USAGE USE USER USER_DEFINED_TYPE_CATALOG
USER_DEFINED_TYPE_CODE USER_DEFINED_TYPE_NAME USER_DEFINED_TYPE_SCHEMA USING UTC_DATE UTC_TIME
UTC_TIMESTAMP VACUUM VALID VALIDATE VALIDATOR VALUE VALUES VAR_POP VAR_SAMP VARBINARY VARCHAR
VARCHAR2 VARCHARACTER VARIABLE VARIABLES VARYING VERBOSE VIEW VOLATILE WAITFOR WHEN WHENEVER
WHERE WHILE WIDTH_BUCKET WINDOW WITH WITHIN WITHOUT WORK WRITE WRITETEXT X509 XOR YEAR
YEAR_MONTH ZEROFILL ZONE
`
    .trim()
    .split(/\s+/),
);
