//! Owns the one table of real-IO patterns (SPEC §8, the README's "Real-IO tests" list): per
//! language, the calls that open a network socket, a database connection, an HTTP / S3 /
//! queue client or write the real filesystem, and the markers that tell a mocked, in-memory
//! or temp-folder use apart. `real_io` applies them; this file is only data.

use super::paths::Language;

/// What a real-IO call opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IoKind {
    Socket,
    Database,
    Http,
    /// An S3 / cloud storage or message-queue client.
    CloudOrQueue,
    /// Writes to the real filesystem.
    Filesystem,
}

impl IoKind {
    /// Returns what it opens, in plain words.
    pub fn describe(self) -> &'static str {
        match self {
            IoKind::Socket => "a network socket",
            IoKind::Database => "a database connection",
            IoKind::Http => "an HTTP client",
            IoKind::CloudOrQueue => "a cloud storage or queue client",
            IoKind::Filesystem => "the real filesystem",
        }
    }
}

/// One real-IO call: found on an added line of a test when it starts at a word boundary (not
/// after a letter, digit, `_`, `.` or `$`).
#[derive(Clone, Copy, Debug)]
pub struct IoPattern {
    pub language: Language,
    pub needle: &'static str,
    pub kind: IoKind,
}

const fn p(language: Language, needle: &'static str, kind: IoKind) -> IoPattern {
    IoPattern {
        language,
        needle,
        kind,
    }
}

use IoKind::{CloudOrQueue as Cloud, Database as Db, Filesystem as Fs, Http, Socket};
use Language::{Go, JsTs, Jvm, Python as Py, Rust as Rs};

/// The real-IO calls, per language.
pub const IO_PATTERNS: &[IoPattern] = &[
    // Rust
    p(Rs, "TcpStream::connect", Socket),
    p(Rs, "TcpListener::bind", Socket),
    p(Rs, "UdpSocket::bind", Socket),
    p(Rs, "UnixStream::connect", Socket),
    p(Rs, "reqwest::", Http),
    p(Rs, "ureq::", Http),
    p(Rs, "hyper::Client", Http),
    p(Rs, "isahc::", Http),
    p(Rs, "surf::", Http),
    p(Rs, "tokio_postgres::connect", Db),
    p(Rs, "postgres::Client::connect", Db),
    p(Rs, "PgPool::connect", Db),
    p(Rs, "MySqlPool::connect", Db),
    p(Rs, "PgPoolOptions", Db),
    p(Rs, "PgConnection::establish", Db),
    p(Rs, "MysqlConnection::establish", Db),
    p(Rs, "sqlx::test", Db),
    p(Rs, "Connection::open(", Db),
    p(Rs, "redis::Client::open", Db),
    p(Rs, "mongodb::Client", Db),
    p(Rs, "aws_sdk_s3::", Cloud),
    p(Rs, "aws_sdk_sqs::", Cloud),
    p(Rs, "rusoto_", Cloud),
    p(Rs, "lapin::Connection", Cloud),
    p(Rs, "rdkafka::", Cloud),
    p(Rs, "std::fs::write", Fs),
    p(Rs, "fs::write(", Fs),
    p(Rs, "fs_err::write(", Fs),
    p(Rs, "File::create(", Fs),
    p(Rs, "fs::create_dir", Fs),
    p(Rs, "fs::remove_file(", Fs),
    p(Rs, "fs::remove_dir_all(", Fs),
    p(Rs, "fs::rename(", Fs),
    p(Rs, "fs::copy(", Fs),
    // Python
    p(Py, "socket.socket(", Socket),
    p(Py, "socket.create_connection(", Socket),
    p(Py, "requests.get(", Http),
    p(Py, "requests.post(", Http),
    p(Py, "requests.put(", Http),
    p(Py, "requests.patch(", Http),
    p(Py, "requests.delete(", Http),
    p(Py, "requests.head(", Http),
    p(Py, "requests.request(", Http),
    p(Py, "requests.Session(", Http),
    p(Py, "httpx.get(", Http),
    p(Py, "httpx.post(", Http),
    p(Py, "httpx.Client(", Http),
    p(Py, "httpx.AsyncClient(", Http),
    p(Py, "urllib.request.urlopen(", Http),
    p(Py, "urlopen(", Http),
    p(Py, "aiohttp.ClientSession(", Http),
    p(Py, "http.client.HTTPConnection(", Http),
    p(Py, "http.client.HTTPSConnection(", Http),
    p(Py, "psycopg2.connect(", Db),
    p(Py, "psycopg.connect(", Db),
    p(Py, "pymysql.connect(", Db),
    p(Py, "mysql.connector.connect(", Db),
    p(Py, "sqlite3.connect(", Db),
    p(Py, "asyncpg.connect(", Db),
    p(Py, "create_engine(", Db),
    p(Py, "MongoClient(", Db),
    p(Py, "redis.Redis(", Db),
    p(Py, "redis.StrictRedis(", Db),
    p(Py, "boto3.client(", Cloud),
    p(Py, "boto3.resource(", Cloud),
    p(Py, "boto3.Session(", Cloud),
    p(Py, "pika.BlockingConnection(", Cloud),
    p(Py, "KafkaProducer(", Cloud),
    p(Py, "KafkaConsumer(", Cloud),
    p(Py, "open(", Fs),
    p(Py, "os.remove(", Fs),
    p(Py, "os.makedirs(", Fs),
    p(Py, "shutil.rmtree(", Fs),
    p(Py, ".write_text(", Fs),
    p(Py, ".write_bytes(", Fs),
    // JavaScript / TypeScript
    p(JsTs, "fetch(", Http),
    p(JsTs, "axios.", Http),
    p(JsTs, "axios(", Http),
    p(JsTs, "http.request(", Http),
    p(JsTs, "http.get(", Http),
    p(JsTs, "https.request(", Http),
    p(JsTs, "https.get(", Http),
    p(JsTs, "got(", Http),
    p(JsTs, "new WebSocket(", Socket),
    p(JsTs, "net.connect(", Socket),
    p(JsTs, "net.createConnection(", Socket),
    p(JsTs, "new net.Socket(", Socket),
    p(JsTs, "new PrismaClient(", Db),
    p(JsTs, "new Sequelize(", Db),
    p(JsTs, "new DataSource(", Db),
    p(JsTs, "createConnection(", Db),
    p(JsTs, "new Pool(", Db),
    p(JsTs, "new pg.Client(", Db),
    p(JsTs, "mysql.createConnection(", Db),
    p(JsTs, "mysql.createPool(", Db),
    p(JsTs, "mongoose.connect(", Db),
    p(JsTs, "MongoClient.connect(", Db),
    p(JsTs, "new MongoClient(", Db),
    p(JsTs, "knex({", Db),
    p(JsTs, "redis.createClient(", Db),
    p(JsTs, "new Redis(", Db),
    p(JsTs, "new S3Client(", Cloud),
    p(JsTs, "new AWS.S3(", Cloud),
    p(JsTs, "new SQSClient(", Cloud),
    p(JsTs, "amqp.connect(", Cloud),
    p(JsTs, "new Kafka(", Cloud),
    p(JsTs, "fs.writeFileSync(", Fs),
    p(JsTs, "fs.writeFile(", Fs),
    p(JsTs, "fs.promises.writeFile(", Fs),
    p(JsTs, "fs.mkdirSync(", Fs),
    p(JsTs, "fs.rmSync(", Fs),
    p(JsTs, "fs.unlinkSync(", Fs),
    p(JsTs, "fs.appendFileSync(", Fs),
    // Go
    p(Go, "net.Dial(", Socket),
    p(Go, "net.DialTimeout(", Socket),
    p(Go, "net.Listen(", Socket),
    p(Go, "http.Get(", Http),
    p(Go, "http.Post(", Http),
    p(Go, "http.PostForm(", Http),
    p(Go, "http.Head(", Http),
    p(Go, "http.DefaultClient.", Http),
    p(Go, "&http.Client{", Http),
    p(Go, "sql.Open(", Db),
    p(Go, "sqlx.Connect(", Db),
    p(Go, "sqlx.Open(", Db),
    p(Go, "pgx.Connect(", Db),
    p(Go, "pgxpool.New(", Db),
    p(Go, "pgxpool.Connect(", Db),
    p(Go, "gorm.Open(", Db),
    p(Go, "mongo.Connect(", Db),
    p(Go, "redis.NewClient(", Db),
    p(Go, "s3.New(", Cloud),
    p(Go, "s3.NewFromConfig(", Cloud),
    p(Go, "session.NewSession(", Cloud),
    p(Go, "amqp.Dial(", Cloud),
    p(Go, "kafka.NewWriter(", Cloud),
    p(Go, "kafka.NewReader(", Cloud),
    p(Go, "os.WriteFile(", Fs),
    p(Go, "ioutil.WriteFile(", Fs),
    p(Go, "os.Create(", Fs),
    p(Go, "os.Mkdir(", Fs),
    p(Go, "os.MkdirAll(", Fs),
    p(Go, "os.Remove(", Fs),
    p(Go, "os.RemoveAll(", Fs),
    // Java / Kotlin
    p(Jvm, "Socket(", Socket),
    p(Jvm, "ServerSocket(", Socket),
    p(Jvm, "HttpClient.newHttpClient(", Http),
    p(Jvm, "HttpClient.newBuilder(", Http),
    p(Jvm, "HttpClients.create", Http),
    p(Jvm, ".openConnection(", Http),
    p(Jvm, "RestTemplate(", Http),
    p(Jvm, "WebClient.create(", Http),
    p(Jvm, "OkHttpClient(", Http),
    p(Jvm, "DriverManager.getConnection(", Db),
    p(Jvm, "MongoClients.create(", Db),
    p(Jvm, "Jedis(", Db),
    p(Jvm, "S3Client.builder(", Cloud),
    p(Jvm, "S3Client.create(", Cloud),
    p(Jvm, "AmazonS3ClientBuilder", Cloud),
    p(Jvm, "KafkaProducer", Cloud),
    p(Jvm, "KafkaConsumer", Cloud),
    p(Jvm, "ConnectionFactory(", Cloud),
    p(Jvm, "Files.write(", Fs),
    p(Jvm, "Files.writeString(", Fs),
    p(Jvm, "Files.createFile(", Fs),
    p(Jvm, "Files.createDirectories(", Fs),
    p(Jvm, "Files.delete(", Fs),
    p(Jvm, "FileOutputStream(", Fs),
    p(Jvm, "FileWriter(", Fs),
];

/// A line holding one of these (any case, starting a word or a camel-case part: `MagicMock`,
/// `jest.spyOn`, not `dispatch`) mocks, stubs or fakes what it names: its real-IO
/// calls are not flagged, and the names it quotes count as mocked in the whole file.
pub const MOCK_MARKERS: &[&str] = &[
    "mock",
    "stub",
    "spy",
    "fake",
    "patch",
    "nock",
    "httptest",
    "sinon",
    "jest.fn",
    "vi.fn",
    "respx",
    "responses.add",
];

/// A file mentioning one of these (any case) writes files in a temp folder it made: its
/// filesystem calls are not flagged (its sockets, databases and clients still are).
pub const TEMP_MARKERS: &[&str] = &[
    "tempfile",
    "tempdir",
    "temp_dir",
    "tmpdir",
    "tmp_path",
    "mkdtemp",
    "mkdirtemp",
    "createtemp",
    "temporaryfolder",
    "memfs",
    "mock-fs",
];

/// A line holding one of these opens an in-memory database, not a real one.
pub const IN_MEMORY_MARKERS: &[&str] = &[
    ":memory:",
    "\"sqlite://\"",
    "'sqlite://'",
    "h2:mem:",
    "hsqldb:mem:",
    "mode=memory",
];

/// Python's `open(` writes only with one of these modes on the same line.
pub const PYTHON_WRITE_MODES: &[&str] = &[
    "\"w\"", "'w'", "\"wb\"", "'wb'", "\"wt\"", "'wt'", "\"w+\"", "'w+'", "\"a\"", "'a'", "\"ab\"",
    "'ab'", "\"x\"", "'x'",
];
