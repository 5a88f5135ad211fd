#include "datadialog.h"

#include "errors.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace qs {

DataDialog::DataDialog(const DataSpec& current, QWidget* parent)
    : QDialog(parent), m_format(new QComboBox), m_inputs(new QLineEdit), m_labels(new QLineEdit), m_options(new QLineEdit),
      m_preview(new QLabel), m_spec(current)
{
    setWindowTitle(tr("Open Data"));
    m_format->addItem(tr("IDX files (MNIST family)"), QStringLiteral("idx"));
    m_format->addItem(tr("NumPy arrays (.npy)"), QStringLiteral("npy"));
    m_format->addItem(tr("torch.save file {'inputs', 'labels'}"), QStringLiteral("tensors"));
    m_format->addItem(tr("Image folder (one sub-folder per class)"), QStringLiteral("folder"));
    m_format->setCurrentIndex(m_format->findData(current.format));
    m_inputs->setText(current.inputsPath);
    m_labels->setText(current.labelsPath);
    QString options = current.toString().section(u'?', 1);
    m_options->setText(options);
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
    form->addRow(tr("Format"), m_format);
    form->addRow(tr("Inputs"), browse(m_inputs, true));
    form->addRow(tr("Labels (optional)"), browse(m_labels, false));
    form->addRow(tr("Options"), m_options);
    form->addRow(tr("Data spec"), m_preview);
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
    for (QLineEdit* e : {m_inputs, m_labels, m_options})
        connect(e, &QLineEdit::textChanged, this, &DataDialog::updatePreview);
    connect(m_format, &QComboBox::currentIndexChanged, this, &DataDialog::updatePreview);
    updatePreview();
    resize(640, sizeHint().height());
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
    return DataSpec::parse(text);
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
