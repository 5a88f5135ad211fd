#pragma once
// The layer table: one row per quantizable site, filled from a profile snapshot.

#include "latency.h"
#include "profile.h"
#include "search.h"
#include "trial.h"

#include <QAbstractTableModel>

namespace qs {

/// "AdaRound: 9.0% of the weights rounded away from nearest; reconstruction loss 0.62 → 0.32
/// (52% of nearest rounding's)" — for tooltips and the weight panel.
QString adaroundLine(const LayerTrialResult& t);

class LayerTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Columns {
        NameColumn,
        OpColumn,
        WeightShapeColumn,
        ParamsColumn,
        WeightSettingColumn,  ///< editable: this layer's weight spec, empty for the default
        ActivationSettingColumn,
        WeightSqnrColumn,     ///< the three SQNR columns hold the last trial's errors
        ActivationSqnrColumn,
        OutputSqnrColumn,
        SensitivityColumn,    ///< metric change with only this layer quantized (last sensitivity run)
        FloatMsColumn,        ///< the layer's time in the float model (last Latency measurement)
        Int8MsColumn,         ///< and in the int8 model
        InputShapeColumn,
        OutputShapeColumn,
        WeightRangeColumn,
        WeightKurtosisColumn,
        ChannelSpreadColumn,  ///< widest output channel's weight range over the median channel's
        ActivationRangeColumn,
        LocalSqnrColumn,      ///< the last trial's local error: this layer's output with only it quantized
        StepErrorColumn,      ///< the last trial's input activation error in steps (rmse / scale)
        UnusedLevelsColumn,   ///< the last trial's share of (output channel, weight level) cells no weight falls on
        NUM_COLUMNS
    };
    enum Roles {
        SortRole = Qt::UserRole, ///< raw numbers for sorting
        ShareRole,               ///< fraction of the model's parameters, for the inline bar
    };

    explicit LayerTableModel(QObject* parent = nullptr);

    /// Replaces the whole table with a new snapshot.
    void setProfile(const ProfileReport& report);
    void clear();
    /// Shows a trial's per-layer errors beside the profile (rows must be the same layers).
    /// Rows stay as they are, so selection and sorting survive.
    void setTrial(const TrialResult& trial);
    bool hasTrial() const { return m_hasTrial; }
    static bool isSqnrColumn(int column)
    {
        return (column >= WeightSqnrColumn && column <= OutputSqnrColumn) || column == LocalSqnrColumn;
    }
    /// The columns a trial fills.
    static bool isTrialColumn(int column)
    {
        return isSqnrColumn(column) || column == StepErrorColumn || column == UnusedLevelsColumn;
    }

    /// Shows a sensitivity run's result in the Sensitivity column (layers matched by name).
    void setSensitivity(const SensitivityResult& result, const QString& settings);
    bool hasSensitivity() const { return !m_sensitivity.isEmpty(); }

    /// Shows time profiles (float, then int8 when there is one) in the ms columns.
    void setLatency(const QVector<LatencyProfile>& profiles);

    /// Per-layer overrides of the trial settings, as edited in the table.
    const QMap<QString, QuantConfig::Override>& overrides() const { return m_overrides; }
    void setOverrides(const QMap<QString, QuantConfig::Override>& overrides);
    /// Sets (or, with an empty text, resets to the default) one setting of the given rows.
    /// Throws EngineError(BadInput) for a spec that does not parse; nothing changes then.
    void setSetting(const QList<int>& rows, bool weight, const QString& spec);
    /// Weight previews of edited layers: their W SQNR shows before a trial, in italics.
    void setPreviews(const QMap<QString, LayerTrialResult>& previews);
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role) override;

Q_SIGNALS:
    void overridesChanged();
    void settingRejected(const QString& message);

public:
    const LayerProfile& layer(int row) const { return m_report.layers.at(row); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    /// What a trial's techniques did to a layer, for its name's tooltip ("" when nothing).
    static QString techniquesTip(const LayerTrialResult& t);

private:
    QVariant settingData(int row, bool weight, int role) const;
    QVariant sqnrData(int row, int column, int role) const;
    QVariant sensitivityData(int row, int role) const;
    QVariant stepErrorData(int row, int role) const;
    QVariant unusedLevelsData(int row, int role) const;
    QVariant latencyData(int row, int column, int role) const;
    QVariant profileData(int row, int column, int role) const;
    QVariant profileToolTip(int row, int column) const;
    ProfileReport m_report;
    TrialResult m_trial;
    QMap<QString, QuantConfig::Override> m_overrides;
    QMap<QString, LayerTrialResult> m_previews;
    QMap<QString, LayerSensitivity> m_sensitivity;
    QString m_sensitivitySettings;
    QVector<LatencyProfile> m_latency;
    Metric m_sensitivityMetric = Metric::Accuracy;
    bool m_hasTrial = false;
    qint64 m_totalParams = 0;
    QVector<double> m_channelSpread; ///< per layer; 0 with fewer than two channels
};

/// "[-0.412, 0.381]" with three significant digits.
QString formatRange(double lo, double hi);

} // namespace qs
