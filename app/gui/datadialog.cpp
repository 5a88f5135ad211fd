#include "datadialog.h"

#include "jobtracker.h"

#include "errors.h"
#include "model.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QFutureWatcher>
#include <QGridLayout>
#include <QPixmap>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace qs {

DataDialog::DataDialog(const DataSpec& current, const QStringList& recent, QWidget* parent)
    : QDialog(parent), m_format(new QComboBox), m_inputs(new QLineEdit), m_labels(new QLineEdit), m_options(new QLineEdit),
      m_calibration(new QLineEdit),
      m_preview(new QLabel), m_grid(new QWidget), m_gridStatus(new QLabel), m_spec(current),
      m_jobs(new JobTracker(this))
{
    setWindowTitle(tr("Open Data"));
    m_format->addItem(tr("IDX files (MNIST family)"), QStringLiteral("idx"));
    m_format->addItem(tr("NumPy arrays (.npy)"), QStringLiteral("npy"));
    m_format->addItem(tr("torch.save file {'inputs', 'labels'}"), QStringLiteral("tensors"));
    m_format->addItem(tr("Image folder (one sub-folder per class)"), QStringLiteral("folder"));
    setFields(current);
    m_options->setPlaceholderText(QStringLiteral("mean=0.5&std=0.25  ·  folders: size=224&resize=256&gray=1"));
    m_preview->setWordWrap(true);
    m_preview->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto browse = [this](QLineEdit* edit, bool inputs) {
        auto* button = new QPushButton(tr("Browse…"));
        connect(button, &QPushButton::clicked, this, [this, edit, inputs] {
            const bool folder = inputs && m_format->currentData().toString() == QLatin1String("folder");
            const QString path = folder ? QFileDialog::getExistingDirectory(this, tr("Image Folder"), edit->text())
                                        : QFileDialog::getOpenFileName(this, inputs ? tr("Inputs") : tr("Labels"), edit->text());
            if (path.isEmpty())
                return;
            edit->setText(path);
            if (inputs)
                m_format->setCurrentIndex(m_format->findData(detectFormat(path)));
        });
        auto* row = new QHBoxLayout;
        row->addWidget(edit, 1);
        row->addWidget(button);
        return row;
    };
    auto* form = new QFormLayout(this);
    if (!recent.isEmpty()) {
        auto* recentBox = new QComboBox;
        recentBox->addItem(tr("Data used before with this model…"));
        recentBox->addItems(recent);
        connect(recentBox, &QComboBox::activated, this, [this, recentBox](int i) {
            if (i > 0) {
                try {
                    setFields(DataSpec::parse(recentBox->itemText(i)));
                } catch (const EngineError&) {
                }
            }
        });
        form->addRow(tr("Recent"), recentBox);
    }
    form->addRow(tr("Format"), m_format);
    form->addRow(tr("Inputs"), browse(m_inputs, true));
    form->addRow(tr("Labels (optional)"), browse(m_labels, false));
    form->addRow(tr("Options"), m_options);
    m_calibration->setObjectName(QStringLiteral("calibrationData"));
    m_calibration->setPlaceholderText(tr("optional: a data spec to calibrate on, e.g. idx:train-images.gz,train-labels.gz"));
    m_calibration->setToolTip(tr("Calibrate on the first samples of this data (e.g. training images) and evaluate on all of "
                                 "the data above; empty: both from the data above"));
    form->addRow(tr("Calibration data"), m_calibration);
    form->addRow(tr("Data spec"), m_preview);
    auto* previewButton = new QPushButton(tr("Preview"));
    connect(previewButton, &QPushButton::clicked, this, &DataDialog::preview);
    auto* previewRow = new QHBoxLayout;
    previewRow->addWidget(previewButton);
    previewRow->addWidget(m_gridStatus, 1);
    m_gridStatus->setWordWrap(true);
    form->addRow(previewRow);
    new QGridLayout(m_grid);
    form->addRow(m_grid);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Open"));
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        try {
            m_spec = specFromFields();
            accept();
        } catch (const EngineError& e) {
            m_preview->setText(QStringLiteral("<span style=\"color:#c0392b\">%1</span>").arg(e.message().toHtmlEscaped()));
        }
    });
    connect(m_inputs, &QLineEdit::textEdited, this, [this](const QString& path) {
        if (QFileInfo::exists(path))
            m_format->setCurrentIndex(m_format->findData(detectFormat(path)));
    });
    for (QLineEdit* e : {m_inputs, m_labels, m_options, m_calibration})
        connect(e, &QLineEdit::textChanged, this, &DataDialog::updatePreview);
    connect(m_format, &QComboBox::currentIndexChanged, this, &DataDialog::updatePreview);
    updatePreview();
    resize(640, sizeHint().height());
}

void DataDialog::setFields(const DataSpec& spec)
{
    m_format->setCurrentIndex(m_format->findData(spec.format));
    m_inputs->setText(spec.inputsPath);
    m_labels->setText(spec.labelsPath);
    DataSpec own = spec;
    own.calibrationSpec.clear();
    m_options->setText(own.toString().section(u'?', 1));
    m_calibration->setText(spec.calibrationSpec);
}

int DataDialog::previewCount() const
{
    return m_grid->findChildren<QLabel*>().size();
}

/// What a preview shows: the first samples as pictures with their labels, or a language model's
/// token windows as their first ids; the data itself, for opening the model on it.
struct PreviewData {
    std::shared_ptr<Dataset> data;
    QVector<QImage> images;
    QStringList captions;
    QStringList windows; // token windows: the first ids of each, instead of pictures
    QString summary;
    QString error;
};

namespace {

PreviewData loadPreview(const DataSpec& spec)
{
    PreviewData l;
    try {
        const auto data = Dataset::load(spec);
        l.data = data;
        const QStringList names = data->classNames();
        if (data->isTokenWindows()) {
            // Token ids, not pictures: the first ids of each window; perplexity scores them.
            for (qint64 i = 0; i < qMin<qint64>(8, data->size()); ++i) {
                const QVector<qint64> ids = data->tokens(i);
                QStringList shown;
                for (int k = 0; k < qMin<int>(16, int(ids.size())); ++k)
                    shown << QString::number(ids[k]);
                l.windows << QObject::tr("#%1  %2%3").arg(i).arg(shown.join(u' '),
                                                                ids.size() > 16 ? QStringLiteral(" …") : QString());
            }
            const auto [lo, hi] = data->tokenIdRange();
            l.summary = QObject::tr("%1: token ids %2 to %3; a language model's data, scored by next-token perplexity")
                            .arg(data->description())
                            .arg(lo)
                            .arg(hi);
            return l;
        }
        for (qint64 i = 0; i < qMin<qint64>(8, data->size()); ++i) {
            l.images << data->sampleImage(i);
            const int label = data->hasLabels() ? data->label(i) : -1;
            l.captions << (label < 0 ? QObject::tr("#%1").arg(i) : label < names.size() ? names[label] : QString::number(label));
        }
        // What a folder's images become: kept at their one size, or (said in a warning) resized
        // and cropped when their sizes differ or size=/resize= ask for it.
        const DataSpec& spec = data->spec();
        QString sizing;
        if (spec.format == QLatin1String("folder") && spec.size == 0 && spec.resize == 0 &&
            !data->warnings().join(u' ').contains(QLatin1String("differ in size")))
            sizing = QObject::tr(" — every image is %1×%2: kept at that size (size= and resize= crop and scale)")
                         .arg(data->sampleShape().value(2))
                         .arg(data->sampleShape().value(1));
        else if (spec.format == QLatin1String("folder") && (spec.size > 0 || spec.resize > 0))
            sizing = QObject::tr(" — each image resized to %1 on its shorter side and cropped to %2×%2")
                         .arg(spec.resize > 0 ? spec.resize : qRound((spec.size > 0 ? spec.size : 224) * 256.0 / 224.0))
                         .arg(spec.size > 0 ? spec.size : 224);
        l.summary = QObject::tr("%1: samples %2%3%4").arg(data->description(), formatShape(data->sampleShape()), sizing,
                                                       data->warnings().isEmpty() ? QString()
                                                                                  : QStringLiteral(" — ") + data->warnings().join(QStringLiteral("; ")));
    } catch (const EngineError& e) {
        l.error = e.message();
    }
    return l;
}

} // namespace

void DataDialog::preview()
{
    DataSpec spec;
    try {
        spec = specFromFields();
    } catch (const EngineError& e) {
        m_gridStatus->setText(e.message());
        return;
    }
    m_gridStatus->setText(tr("Loading…"));
    // On the dialog's own engine thread: a newer preview cancels this one and drops its result.
    std::function<PreviewData(const JobControl&)> job = [spec](const JobControl&) { return loadPreview(spec); };
    m_jobs->start<PreviewData>(
        tr("Loading data"), job, [this](PreviewData l) { showPreview(l); },
        [this](ErrorKind, const QString& message) {
            m_gridStatus->setText(message);
            Q_EMIT previewReady();
        });
}

void DataDialog::showPreview(const PreviewData& l)
{
    m_loaded = l.data;
    auto* grid = static_cast<QGridLayout*>(m_grid->layout());
    while (QLayoutItem* item = grid->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_gridStatus->setText(l.error.isEmpty() ? l.summary : l.error);
    for (int i = 0; i < l.windows.size(); ++i) {
        auto* line = new QLabel(l.windows[i]);
        line->setTextInteractionFlags(Qt::TextSelectableByMouse);
        line->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        grid->addWidget(line, i, 0, 1, 8);
    }
    for (int i = 0; i < l.images.size(); ++i) {
        auto* cell = new QLabel;
        cell->setAlignment(Qt::AlignCenter);
        cell->setToolTip(l.captions[i]);
        if (!l.images[i].isNull())
            cell->setPixmap(QPixmap::fromImage(l.images[i].scaled(64, 64, Qt::KeepAspectRatio,
                                                                  l.images[i].width() < 64 ? Qt::FastTransformation
                                                                                           : Qt::SmoothTransformation)));
        else
            cell->setText(l.captions[i]);
        auto* caption = new QLabel(l.captions[i]);
        caption->setAlignment(Qt::AlignCenter);
        grid->addWidget(cell, (i / 8) * 2, i % 8);
        grid->addWidget(caption, (i / 8) * 2 + 1, i % 8);
    }
    Q_EMIT previewReady();
}

std::shared_ptr<Dataset> DataDialog::loadedData() const
{
    return m_loaded && m_loaded->spec().toString() == m_spec.toString() ? m_loaded : nullptr;
}

QString DataDialog::detectFormat(const QString& path)
{
    const QFileInfo info(path);
    if (info.isDir())
        return QStringLiteral("folder");
    const QString suffix = info.suffix().toLower();
    if (suffix == QLatin1String("npy"))
        return QStringLiteral("npy");
    if (suffix == QLatin1String("pt") || suffix == QLatin1String("pth"))
        return QStringLiteral("tensors");
    return QStringLiteral("idx");
}

DataSpec DataDialog::specFromFields() const
{
    const QString format = m_format->currentData().toString();
    QString text = format + u':' + m_inputs->text().trimmed();
    if (!m_labels->text().trimmed().isEmpty()) {
        if (format != QLatin1String("idx") && format != QLatin1String("npy"))
            throw EngineError(ErrorKind::BadInput, tr("%1 data takes its labels from the same file or folder").arg(format));
        text += u',' + m_labels->text().trimmed();
    }
    if (!m_options->text().trimmed().isEmpty())
        text += u'?' + m_options->text().trimmed();
    DataSpec spec = DataSpec::parse(text);
    if (!m_calibration->text().trimmed().isEmpty())
        spec.calibrationSpec = DataSpec::parse(m_calibration->text().trimmed()).toString();
    return spec;
}

void DataDialog::updatePreview()
{
    m_labels->setEnabled(m_format->currentData().toString() == QLatin1String("idx") ||
                         m_format->currentData().toString() == QLatin1String("npy"));
    try {
        m_preview->setText(QStringLiteral("<code>%1</code>").arg(specFromFields().toString().toHtmlEscaped()));
    } catch (const EngineError& e) {
        m_preview->setText(QStringLiteral("<span style=\"color:#c0392b\">%1</span>").arg(e.message().toHtmlEscaped()));
    }
}

} // namespace qs
